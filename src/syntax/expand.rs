//! Word expansion (`$v`, `${v:-w}`, quotes, escapes) with the reference frontend's rules.
