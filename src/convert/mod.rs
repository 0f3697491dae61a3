//! placeholder: filled in by the convert work
