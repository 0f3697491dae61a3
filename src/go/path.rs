//! Go's and BuildKit's slash-path functions, byte for byte: `path.Clean`, `path.Join`, the LLB
//! client's `normalizePath` and util/system's `NormalizePath`. Paths in LLB and in the image
//! config go through these so that they equal the reference's.

/// Go's `path.Clean`: the shortest equivalent slash path.
pub(crate) fn clean_path(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// util/system `IsAbs`: on Windows, after `CheckSystemDriveAndRemoveDriveLetter` (only the
/// system drive `C:` may be named, `C:` alone and UNC paths are refused) and backslashes
/// read as slashes.
pub fn system_is_abs(path: &str, os: &str) -> bool {
    if os != "windows" {
        return path.starts_with('/');
    }
    let slashed = |p: &str| p.replace('\\', "/");
    let b = path.as_bytes();
    let sep = |c: u8| c == b'/' || c == b'\\';
    if (b.len() == 2 && b[1] == b':') || (b.len() >= 2 && sep(b[0]) && sep(b[1])) {
        return false;
    }
    match path.split_once(':') {
        None => slashed(path).starts_with('/'),
        Some((drive, rest)) => drive.eq_ignore_ascii_case("c") && slashed(rest).starts_with('/'),
    }
}

/// Go's `path.Join` of two parts.
pub(crate) fn join_path(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => String::new(),
        (true, false) => clean_path(b),
        (false, true) => clean_path(a),
        (false, false) => clean_path(&format!("{a}/{b}")),
    }
}

/// Resolves `path` against `cwd` like the Go client's `normalizePath`; with `keep_slash`, a
/// trailing `/` or `/.` (meaning "into this directory") survives.
pub(crate) fn llb_normalize_path(cwd: &str, path: &str, keep_slash: bool) -> String {
    let mut cleaned = clean_path(path);
    if !cleaned.starts_with('/') {
        cleaned = clean_path(&format!("/{cwd}/{cleaned}"));
    }
    if keep_slash {
        if path.ends_with('/') && !cleaned.ends_with('/') {
            cleaned.push('/');
        } else if path.ends_with("/.") {
            if cleaned != "/" {
                cleaned.push('/');
            }
            cleaned.push('.');
        }
    }
    cleaned
}

/// util/system `NormalizePath` for Linux: absolute paths are kept as written, relative ones
/// joined (and cleaned) onto `parent`; `keep_slash` keeps a trailing `/` or `/.`.
pub(crate) fn system_normalize_path(parent: &str, new_path: &str, keep_slash: bool) -> String {
    let parent = if parent.is_empty() { "/" } else { parent };
    let parent = if parent.starts_with('/') {
        parent.to_string()
    } else {
        join_path("/", parent)
    };
    let orig = new_path;
    let mut p = if new_path.is_empty() {
        parent.clone()
    } else {
        new_path.to_string()
    };
    if !p.starts_with('/') {
        p = join_path(&parent, &p);
    }
    if keep_slash {
        p = keep_trailing(orig, p);
    }
    p
}

/// A trailing `/` or `/.` of `orig` put back on the cleaned `p`.
pub(crate) fn keep_trailing(orig: &str, mut p: String) -> String {
    if orig.ends_with('/') && !p.ends_with('/') {
        p.push('/');
    } else if orig.ends_with("/.") {
        if p != "/" {
            p.push('/');
        }
        p.push('.');
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_clean_like_go() {
        for (input, expected) in [
            ("", "."),
            ("/", "/"),
            ("a/b/../c", "a/c"),
            ("/../a", "/a"),
            ("../a", "../a"),
            ("a//b/./", "a/b"),
            ("/a/b/..", "/a"),
        ] {
            assert_eq!(clean_path(input), expected, "{input}");
        }
        assert_eq!(llb_normalize_path("/app", "sub/", true), "/app/sub/");
        assert_eq!(llb_normalize_path("/app", "sub/", false), "/app/sub");
        assert_eq!(llb_normalize_path("/app", ".", true), "/app");
        assert_eq!(llb_normalize_path("/app", "./", true), "/app/");
        assert_eq!(llb_normalize_path("/", "/.", true), "/.");
        assert_eq!(llb_normalize_path("/app", "x/.", true), "/app/x/.");
    }

    #[test]
    fn go_path_helpers() {
        assert_eq!(clean_path("/a/../b/./c/"), "/b/c");
        assert_eq!(clean_path("/.."), "/");
        assert_eq!(join_path("/", "src/"), "/src");
        assert_eq!(join_path("/", "."), "/");
        assert_eq!(system_normalize_path("/app", "../x", false), "/x");
        assert_eq!(
            system_normalize_path("/app", "/keep//as/is", false),
            "/keep//as/is"
        );
    }
}
