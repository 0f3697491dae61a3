//! placeholder: filled in by the syntax work
