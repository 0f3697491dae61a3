//! Generated protobuf types for the BuildKit protocol subset in `proto/` (see proto/README.md).
//! Module paths follow the protobuf packages.

#![allow(clippy::all, clippy::pedantic, missing_docs)]

/// LLB (package `pb`): ops, definitions, source maps.
pub mod pb {
    include!(concat!(env!("OUT_DIR"), "/pb.rs"));
    pub use super::definition::{Definition, OpMetadataBytes};
}

pub mod definition;
pub mod protojson;

/// File stats (package `fsutil.types`).
pub(crate) mod fsutil {
    pub mod types {
        include!(concat!(env!("OUT_DIR"), "/fsutil.types.rs"));
    }
}

/// The gRPC error model (package `google.rpc`).
pub(crate) mod google {
    pub(crate) mod rpc {
        include!(concat!(env!("OUT_DIR"), "/google.rpc.rs"));
    }
}

/// BuildKit API packages (`moby.buildkit.v1.*`).
pub mod moby {
    pub mod buildkit {
        pub mod v1 {
            pub(crate) mod apicaps {
                include!(concat!(env!("OUT_DIR"), "/moby.buildkit.v1.apicaps.rs"));
            }
            pub mod types {
                include!(concat!(env!("OUT_DIR"), "/moby.buildkit.v1.types.rs"));
            }
            pub(crate) mod sourcepolicy {
                include!(concat!(
                    env!("OUT_DIR"),
                    "/moby.buildkit.v1.sourcepolicy.rs"
                ));
            }
            pub mod frontend {
                include!(concat!(env!("OUT_DIR"), "/moby.buildkit.v1.frontend.rs"));
            }
        }
    }
}
