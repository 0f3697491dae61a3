//! placeholder: filled in by the instructions work
