//! The syntax layer: Dockerfile bytes -> logical lines, parser directives, heredocs, spans, and
//! shell-style word expansion. Knows nothing of BuildKit.

pub mod expand;
