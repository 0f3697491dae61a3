//! placeholder: filled in by the llb work
