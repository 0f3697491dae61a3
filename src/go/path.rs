//! Go's and BuildKit's slash-path functions, byte for byte: `path.Clean`, `path.Join`,
//! `path.Dir`, `filepath.Match`, the LLB client's `normalizePath` and util/system's
//! `NormalizePath`. Paths in LLB and in the image config go through these so that they equal
//! the reference's.

/// Go's `path.Clean`: the shortest equivalent slash path.
pub(crate) fn clean_path(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    // Most paths a Dockerfile names are clean already: one copy, no element list.
    if is_clean(path) {
        return path.to_string();
    }
    clean_elements(path)
}

/// `path.Clean` by its elements, for any non-empty path.
fn clean_elements(path: &str) -> String {
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

/// Whether `clean_path` would return `path` itself: `/` or `.`, or elements that are neither
/// empty nor `.`, with `..` only leading a relative path.
fn is_clean(path: &str) -> bool {
    if path == "/" || path == "." {
        return true;
    }
    let rooted = path.starts_with('/');
    let rest = if rooted { &path[1..] } else { path };
    let mut leading = !rooted;
    rest.split('/').all(|part| match part {
        "" | "." => false,
        ".." => leading,
        _ => {
            leading = false;
            true
        }
    })
}

/// Go's `path.Dir` (`filepath.Dir` on Linux): all but the last element, cleaned.
pub(crate) fn dir_path(path: &str) -> String {
    clean_path(&path[..path.rfind('/').map_or(0, |i| i + 1)])
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
        (false, false) => {
            let mut joined = String::with_capacity(a.len() + 1 + b.len());
            joined.push_str(a);
            joined.push('/');
            joined.push_str(b);
            // Usually clean already (`/` and a clean relative path): no second copy.
            if is_clean(&joined) {
                joined
            } else {
                clean_elements(&joined)
            }
        }
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

/// util/system `NormalizePath` for the stage's OS: on Windows a backslash is a separator and
/// a `C:` drive is removed (any other drive, `C:` alone and UNC paths are refused, with the
/// reference's text); elsewhere [`system_normalize_path`]. The result has slashes.
pub(crate) fn system_normalize_path_os(
    parent: &str,
    new_path: &str,
    os: &str,
    keep_slash: bool,
) -> Result<String, String> {
    if os != "windows" {
        return Ok(system_normalize_path(parent, new_path, keep_slash));
    }
    let new_path = to_slash_windows(new_path);
    let orig = new_path.clone();
    let parent = if parent.is_empty() {
        "/".to_string()
    } else {
        to_slash_windows(parent)
    };
    let drive = |p: &str| {
        remove_system_drive(p, keep_slash).map_err(|e| format!("removing drive letter: {e}"))
    };
    let mut parent = drive(&parent)?;
    if !parent.starts_with('/') {
        parent = join_path("/", &parent);
    }
    let new_path = if new_path.is_empty() {
        parent.clone()
    } else {
        new_path
    };
    let mut p = drive(&new_path)?;
    if !p.starts_with('/') {
        p = join_path(&parent, &p);
    }
    if keep_slash {
        p = keep_trailing(&orig, p);
    }
    Ok(p)
}

/// util/system `NormalizeWorkdir`: the working directory as the image config keeps it, with
/// the OS's separator (`\app` on Windows); the LLB state's dir is its slash form.
pub(crate) fn system_normalize_workdir(
    current: &str,
    wd: &str,
    os: &str,
) -> Result<String, String> {
    let wd = system_normalize_path_os(current, wd, os, false)
        .map_err(|e| format!("normalizing working directory: {e}"))?;
    Ok(if os == "windows" {
        wd.replace('/', "\\")
    } else {
        wd
    })
}

/// util/system `ToSlash` for Windows.
pub(crate) fn to_slash_windows(p: &str) -> String {
    p.replace('\\', "/")
}

/// `CheckSystemDriveAndRemoveDriveLetter` on Windows, the path already in slashes.
pub(crate) fn remove_system_drive(path: &str, keep_slash: bool) -> Result<String, String> {
    let b = path.as_bytes();
    if b.len() == 2 && b[1] == b':' {
        return Err(format!(
            "No relative path specified in {}",
            super::quote(path)
        ));
    }
    if path.starts_with("//") {
        return Err("UNC paths are not supported".to_string());
    }
    let clean = |p: &str| {
        let cleaned = clean_path(p);
        if keep_slash && cleaned.len() > 1 && p.ends_with('/') {
            cleaned + "/"
        } else {
            cleaned
        }
    };
    match path.split_once(':') {
        None => Ok(clean(path)),
        Some((drive, rest)) if drive.eq_ignore_ascii_case("c") => Ok(clean(rest)),
        Some(_) => Err("The specified path is not on the system drive (C:)".to_string()),
    }
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

/// `path/filepath.ErrBadPattern`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadPattern;

impl std::fmt::Display for BadPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("syntax error in pattern")
    }
}

/// Go's `path/filepath.Match` on Linux: whether all of `name` matches the shell pattern. Like
/// Go it works on bytes and stops at the first chunk that does not match, so a malformed rest
/// of the pattern is only reported when the match gets that far.
pub(crate) fn match_path(pattern: &str, name: &str) -> Result<bool, BadPattern> {
    let (mut pattern, mut name) = (pattern.as_bytes(), name.as_bytes());
    'pattern: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            // A trailing `*` matches the rest unless it has a `/`.
            return Ok(!name.contains(&b'/'));
        }
        if let Some(t) = match_chunk(chunk, name)? {
            // The last chunk must use up the name, else a star may still match.
            if t.is_empty() || !pattern.is_empty() {
                name = t;
                continue;
            }
        }
        if star {
            let mut i = 0;
            while i < name.len() && name[i] != b'/' {
                if let Some(t) = match_chunk(chunk, &name[i + 1..])? {
                    if t.is_empty() || !pattern.is_empty() {
                        name = t;
                        continue 'pattern;
                    }
                }
                i += 1;
            }
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

/// `scanChunk`: an optional run of `*`, then the pattern up to the next `*` outside brackets.
fn scan_chunk(mut pattern: &[u8]) -> (bool, &[u8], &[u8]) {
    let mut star = false;
    while let [b'*', rest @ ..] = pattern {
        pattern = rest;
        star = true;
    }
    let mut in_range = false;
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            b'\\' if i + 1 < pattern.len() => i += 1,
            b'[' => in_range = true,
            b']' => in_range = false,
            b'*' if !in_range => return (star, &pattern[..i], &pattern[i..]),
            _ => {}
        }
        i += 1;
    }
    (star, pattern, &[])
}

/// `matchChunk`: whether the chunk (no `*`) matches the start of `s`, and what is left of `s`.
/// After a mismatch it goes on reading the chunk, to report it when malformed.
fn match_chunk<'s>(mut chunk: &[u8], mut s: &'s [u8]) -> Result<Option<&'s [u8]>, BadPattern> {
    let mut failed = false;
    while let Some(&c) = chunk.first() {
        failed = failed || s.is_empty();
        match c {
            b'[' => {
                let mut r = '\0';
                if !failed {
                    let (decoded, n) = decode_rune(s);
                    r = decoded;
                    s = &s[n..];
                }
                chunk = &chunk[1..];
                let negated = chunk.first() == Some(&b'^');
                if negated {
                    chunk = &chunk[1..];
                }
                let (mut matched, mut ranges) = (false, 0);
                loop {
                    if chunk.first() == Some(&b']') && ranges > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let (lo, rest) = get_esc(chunk)?;
                    chunk = rest;
                    let mut hi = lo;
                    if chunk[0] == b'-' {
                        (hi, chunk) = get_esc(&chunk[1..])?;
                    }
                    matched = matched || (lo <= r && r <= hi);
                    ranges += 1;
                }
                failed = failed || matched == negated;
            }
            b'?' => {
                if !failed {
                    failed = s[0] == b'/';
                    s = &s[decode_rune(s).1..];
                }
                chunk = &chunk[1..];
            }
            _ => {
                if c == b'\\' {
                    chunk = &chunk[1..];
                    if chunk.is_empty() {
                        return Err(BadPattern);
                    }
                }
                if !failed {
                    failed = chunk[0] != s[0];
                    s = &s[1..];
                }
                chunk = &chunk[1..];
            }
        }
    }
    Ok((!failed).then_some(s))
}

/// `getEsc`: one possibly escaped character of a bracket expression; nothing may end there.
fn get_esc(mut chunk: &[u8]) -> Result<(char, &[u8]), BadPattern> {
    if matches!(chunk.first(), None | Some(b'-' | b']')) {
        return Err(BadPattern);
    }
    if chunk[0] == b'\\' {
        chunk = &chunk[1..];
        if chunk.is_empty() {
            return Err(BadPattern);
        }
    }
    let (r, n) = decode_rune(chunk);
    let rest = &chunk[n..];
    if (r == char::REPLACEMENT_CHARACTER && n == 1) || rest.is_empty() {
        return Err(BadPattern);
    }
    Ok((r, rest))
}

/// `utf8.DecodeRune`: the first character and its width; U+FFFD of width 1 for a byte that
/// starts no valid sequence (the patterns may be cut inside one).
fn decode_rune(b: &[u8]) -> (char, usize) {
    if b.is_empty() {
        return (char::REPLACEMENT_CHARACTER, 0);
    }
    for len in 1..=b.len().min(4) {
        if let Ok(s) = std::str::from_utf8(&b[..len]) {
            return (s.chars().next().unwrap_or_default(), len);
        }
    }
    (char::REPLACEMENT_CHARACTER, 1)
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
    fn a_clean_path_is_seen_as_clean_exactly_when_cleaning_keeps_it() {
        let parts = ["", ".", "..", "a", "bc"];
        let mut paths = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = paths
                .iter()
                .flat_map(|p| parts.iter().map(move |part| format!("{p}/{part}")))
                .collect();
            paths.extend(longer);
        }
        for rooted in &paths {
            for path in [rooted.as_str(), rooted.trim_start_matches('/')] {
                if path.is_empty() {
                    continue;
                }
                assert_eq!(is_clean(path), clean_elements(path) == path, "{path:?}");
                assert_eq!(clean_path(path), clean_elements(path), "{path:?}");
            }
        }
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
