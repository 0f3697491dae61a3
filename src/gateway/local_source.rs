//! The small LLB graphs the gateway solves itself to read files the client shares: the Dockerfile
//! (local `dockerfile`, read into a [`DockerfileSource`]) and the context's `.dockerignore`
//! (local `context`). Their attrs match the
//! reference frontend's (frontend/dockerui/config.go `ReadEntrypoint`, `dockerIgnorePatterns`) so
//! BuildKit's progress and caching look the same.

use crate::llb::{self, OpOptions, Source};
use crate::proto::pb;

/// A `local://<name>` source to solve and read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalRead {
    pub local_name: String,
    pub session_id: String,
    /// The only paths transferred (`local.followpaths`).
    pub follow_paths: Vec<String>,
    pub shared_key_hint: String,
    /// Progress name (`[internal] load .dockerignore`).
    pub progress_name: String,
}

impl LocalRead {
    /// Reading the Dockerfile: the file itself, `<file>.dockerignore`, and the lower-case
    /// `dockerfile` spelling when the base name is `Dockerfile` (moby/moby#10858).
    pub fn dockerfile(local_name: &str, session_id: &str, filename: &str) -> LocalRead {
        let mut follow_paths = vec![filename.to_string(), format!("{filename}.dockerignore")];
        if let Some(lower) = lowercase_dockerfile(filename) {
            follow_paths.push(lower);
        }
        LocalRead {
            local_name: local_name.to_string(),
            session_id: session_id.to_string(),
            follow_paths,
            shared_key_hint: local_name.to_string(),
            progress_name: format!("[internal] load build definition from {filename}"),
        }
    }

    /// Reading the context's `.dockerignore` before the context itself is transferred.
    pub(crate) fn context_dockerignore(local_name: &str, session_id: &str) -> LocalRead {
        LocalRead {
            local_name: local_name.to_string(),
            session_id: session_id.to_string(),
            follow_paths: vec![".dockerignore".to_string()],
            shared_key_hint: format!("{local_name}-.dockerignore"),
            progress_name: "[internal] load .dockerignore".to_string(),
        }
    }

    /// Reading the `.dockerignore` of a local named context (`context:<key>=local:<name>`).
    pub(crate) fn named_context_dockerignore(
        local_name: &str,
        session_id: &str,
        key: &str,
    ) -> LocalRead {
        LocalRead {
            local_name: local_name.to_string(),
            session_id: session_id.to_string(),
            follow_paths: vec![".dockerignore".to_string()],
            shared_key_hint: format!("context:{key}-.dockerignore"),
            progress_name: format!("[context {key}] load .dockerignore"),
        }
    }

    /// The LLB: the source op, then the terminal op selecting its output, in the Go client's bytes.
    pub fn definition(&self) -> pb::Definition {
        let mut source = Source::local(&self.local_name)
            .follow_paths(&self.follow_paths)
            .shared_key_hint(&self.shared_key_hint)
            .differ("none", false)
            .custom_name(self.progress_name.clone());
        if !self.session_id.is_empty() {
            source = source.session(&self.session_id);
        }
        llb::Definition::marshal(&source.build()).into_pb()
    }
}

/// `dir/dockerfile` when `filename`'s base name is `Dockerfile`.
pub(crate) fn lowercase_dockerfile(filename: &str) -> Option<String> {
    let (dir, base) = match filename.rsplit_once('/') {
        Some((dir, base)) => (Some(dir), base),
        None => (None, filename),
    };
    (base == "Dockerfile").then(|| match dir {
        Some(dir) => format!("{dir}/dockerfile"),
        None => "dockerfile".to_string(),
    })
}

/// The Dockerfile as read from the client.
#[derive(Debug, Clone, PartialEq)]
pub struct DockerfileSource {
    /// The name it was read under (the lower-case fallback if that was the one found).
    pub filename: String,
    pub data: Vec<u8>,
    /// `<filename>.dockerignore`, which overrides the context's `.dockerignore`.
    pub dockerignore: Option<Vec<u8>>,
    /// The LLB it was read with, recorded in the build's source map.
    pub definition: pb::Definition,
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use prost::Message;

    fn source_op(def: &pb::Definition) -> pb::SourceOp {
        let op = pb::Op::decode(&def.def[0][..]).unwrap();
        match op.op {
            Some(pb::op::Op::Source(s)) => s,
            other => panic!("not a source op: {other:?}"),
        }
    }

    #[test]
    fn dockerfile_read_matches_the_reference_attrs() {
        let def = LocalRead::dockerfile("dockerfile", "sess1", "Dockerfile").definition();
        let src = source_op(&def);
        assert_eq!(src.identifier, "local://dockerfile");
        assert_eq!(
            src.attrs["local.followpaths"],
            r#"["Dockerfile","Dockerfile.dockerignore","dockerfile"]"#
        );
        assert_eq!(src.attrs["local.sharedkeyhint"], "dockerfile");
        assert_eq!(src.attrs["local.differ"], "none");
        assert_eq!(src.attrs["local.session"], "sess1");
        let digest = llb::Digest::of(&def.def[0]).as_str().to_string();
        assert_eq!(
            def.metadata[&digest].decode().description["llb.customname"],
            "[internal] load build definition from Dockerfile"
        );
        let terminal = pb::Op::decode(&def.def[1][..]).unwrap();
        assert_eq!(terminal.inputs, vec![pb::Input { digest, index: 0 }]);
        assert_eq!(terminal.op, None);
    }

    #[test]
    fn other_filenames_follow_no_lowercase_variant() {
        let def = LocalRead::dockerfile("dockerfile", "s", "sub/app.Dockerfile").definition();
        assert_eq!(
            source_op(&def).attrs["local.followpaths"],
            r#"["sub/app.Dockerfile","sub/app.Dockerfile.dockerignore"]"#
        );
        assert_eq!(
            lowercase_dockerfile("sub/Dockerfile").as_deref(),
            Some("sub/dockerfile")
        );
    }

    #[test]
    fn context_dockerignore_read() {
        let def = LocalRead::context_dockerignore("context", "s").definition();
        let src = source_op(&def);
        assert_eq!(src.identifier, "local://context");
        assert_eq!(src.attrs["local.followpaths"], r#"[".dockerignore"]"#);
        assert_eq!(src.attrs["local.sharedkeyhint"], "context-.dockerignore");
    }
}
