//! placeholder: filled in by the gateway work
