//! Go's `net/url` as of Go 1.26 (the toolchain the reference is built with, whose go.mod says
//! `go 1.26`, so `urlstrictcolons` and `urlmaxqueryparams` have their new defaults): `Parse`,
//! `URL.String`, `ParseQuery` and the escaping rules behind them. Git sources go through it
//! twice in the reference (dfgitutil's `ParseGitRef`, then client/llb's `Git` on the result), and
//! the identifier, `git.fullurl` and every error text come from here, so nothing may be
//! normalised differently.
//!
//! One divergence: Go keeps whatever bytes a `%XX` escape decodes to, and Rust strings must be
//! UTF-8, so an escape that decodes to invalid UTF-8 is an error here ([`NOT_UTF8`]).

use std::collections::BTreeMap;

use super::{quote, quote_bytes};

/// What an escape that decodes to invalid UTF-8 gives (Go accepts it).
pub(crate) const NOT_UTF8: &str = "percent-encoded bytes that are not UTF-8 are not supported";

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Path,
    PathSegment,
    Host,
    Zone,
    UserPassword,
    QueryComponent,
    Fragment,
}

/// `shouldEscape` (gen_encoding_table.go, from which Go 1.26 generates its table).
fn should_escape(c: u8, mode: Encoding) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if matches!(mode, Encoding::Host | Encoding::Zone)
        && matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'['
                | b']'
                | b'<'
                | b'>'
                | b'"'
        )
    {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => return false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => match mode {
            Encoding::Path => return c == b'?',
            Encoding::PathSegment => return matches!(c, b'/' | b';' | b',' | b'?'),
            Encoding::UserPassword => return matches!(c, b'@' | b'/' | b'?' | b':'),
            Encoding::QueryComponent => return true,
            Encoding::Fragment => return false,
            Encoding::Host | Encoding::Zone => {}
        },
        _ => {}
    }
    if mode == Encoding::Fragment && matches!(c, b'!' | b'(' | b')' | b'*') {
        return false;
    }
    true
}

fn unhex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// `unescape`: the decoded bytes, or `EscapeError`/`InvalidHostError`'s text.
pub(crate) fn unescape(s: &str, mode: Encoding) -> Result<Vec<u8>, String> {
    let b = s.as_bytes();
    let escape_error = |bad: &[u8]| format!("invalid URL escape {}", quote_bytes(bad));
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let (Some(hi), Some(lo)) = (
                    b.get(i + 1).copied().and_then(unhex),
                    b.get(i + 2).copied().and_then(unhex),
                ) else {
                    return Err(escape_error(&b[i..(i + 3).min(b.len())]));
                };
                // RFC 3986 allows %-encoding in a host only for non-ASCII bytes, RFC 6874 adds
                // %25 for the zone of a scoped IPv6 address.
                if mode == Encoding::Host && hi < 8 && &b[i..i + 3] != b"%25" {
                    return Err(escape_error(&b[i..i + 3]));
                }
                if mode == Encoding::Zone {
                    let v = hi << 4 | lo;
                    if &b[i..i + 3] != b"%25" && v != b' ' && should_escape(v, Encoding::Host) {
                        return Err(escape_error(&b[i..i + 3]));
                    }
                }
                i += 3;
            }
            c => {
                if matches!(mode, Encoding::Host | Encoding::Zone)
                    && c < 0x80
                    && should_escape(c, mode)
                {
                    return Err(format!(
                        "invalid character {} in host name",
                        quote(&(c as char).to_string())
                    ));
                }
                i += 1;
            }
        }
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                out.push(unhex(b[i + 1]).unwrap() << 4 | unhex(b[i + 2]).unwrap());
                i += 3;
            }
            b'+' if mode == Encoding::QueryComponent => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

/// [`unescape`] into a string.
fn unescape_str(s: &str, mode: Encoding) -> Result<String, String> {
    String::from_utf8(unescape(s, mode)?).map_err(|_| NOT_UTF8.to_string())
}

/// `escape`.
pub(crate) fn escape(s: &str, mode: Encoding) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        if c == b' ' && mode == Encoding::QueryComponent {
            out.push('+');
        } else if should_escape(c, mode) {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(HEX[(c >> 4) as usize] as char);
            out.push(HEX[(c & 15) as usize] as char);
        } else {
            out.push(c as char);
        }
    }
    out
}

/// `url.Userinfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Userinfo {
    pub username: String,
    pub password: Option<String>,
}

impl std::fmt::Display for Userinfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&escape(&self.username, Encoding::UserPassword))?;
        if let Some(p) = &self.password {
            write!(f, ":{}", escape(p, Encoding::UserPassword))?;
        }
        Ok(())
    }
}

/// `url.URL`, with Go's field meanings (`path`, `fragment` decoded; `raw_*` the encodings given
/// when they differ from the default one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Url {
    pub scheme: String,
    pub opaque: String,
    pub user: Option<Userinfo>,
    pub host: String,
    pub path: String,
    pub raw_path: String,
    pub raw_query: String,
    pub force_query: bool,
    pub fragment: String,
    pub raw_fragment: String,
    pub omit_host: bool,
}

/// `url.Values`, keys in order (Go ranges over its map in random order).
pub(crate) type Values = BTreeMap<String, Vec<String>>;

/// `url.Parse`; the error is `*url.Error`'s text (`parse "…": …`).
pub(crate) fn parse(raw: &str) -> Result<Url, String> {
    let (u, frag) = raw.split_once('#').unwrap_or((raw, ""));
    let mut url = parse_without_fragment(u).map_err(|e| format!("parse {}: {e}", quote(u)))?;
    if frag.is_empty() {
        return Ok(url);
    }
    url.fragment =
        unescape_str(frag, Encoding::Fragment).map_err(|e| format!("parse {}: {e}", quote(raw)))?;
    url.raw_fragment = if escape(&url.fragment, Encoding::Fragment) == frag {
        String::new()
    } else {
        frag.to_string()
    };
    Ok(url)
}

/// `getScheme`: (scheme, rest).
fn get_scheme(raw: &str) -> Result<(&str, &str), String> {
    for (i, c) in raw.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' if i > 0 => {}
            b':' if i == 0 => return Err("missing protocol scheme".to_string()),
            b':' => return Ok((&raw[..i], &raw[i + 1..])),
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

/// `parse(rawURL, false)`.
fn parse_without_fragment(raw: &str) -> Result<Url, String> {
    if raw.bytes().any(|b| b < b' ' || b == 0x7f) {
        return Err("net/url: invalid control character in URL".to_string());
    }
    let mut url = Url::default();
    if raw == "*" {
        url.path = "*".to_string();
        return Ok(url);
    }
    let (scheme, mut rest) = get_scheme(raw)?;
    url.scheme = scheme.to_ascii_lowercase();
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        url.force_query = true;
        rest = &rest[..rest.len() - 1];
    } else if let Some((r, q)) = rest.split_once('?') {
        rest = r;
        url.raw_query = q.to_string();
    }
    if !rest.starts_with('/') {
        if !url.scheme.is_empty() {
            // Rootless paths are opaque (RFC 3986).
            url.opaque = rest.to_string();
            return Ok(url);
        }
        // A relative path's first segment cannot hold a colon (golang.org/issue/16822).
        if rest.split('/').next().unwrap_or("").contains(':') {
            return Err("first path segment in URL cannot contain colon".to_string());
        }
    }
    if (!url.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
        let authority = &rest[2..];
        let (authority, path) = match authority.find('/') {
            Some(i) => (&authority[..i], &authority[i..]),
            None => (authority, ""),
        };
        let (user, host) = parse_authority(&url.scheme, authority)?;
        url.user = user;
        url.host = host;
        rest = path;
    } else if !url.scheme.is_empty() && rest.starts_with('/') {
        url.omit_host = true;
    }
    url.path = unescape_str(rest, Encoding::Path)?;
    url.raw_path = if escape(&url.path, Encoding::Path) == rest {
        String::new()
    } else {
        rest.to_string()
    };
    Ok(url)
}

fn parse_authority(scheme: &str, authority: &str) -> Result<(Option<Userinfo>, String), String> {
    let Some(i) = authority.rfind('@') else {
        return Ok((None, parse_host(scheme, authority)?));
    };
    let host = parse_host(scheme, &authority[i + 1..])?;
    let userinfo = &authority[..i];
    if !valid_userinfo(userinfo) {
        return Err("net/url: invalid userinfo".to_string());
    }
    let user = match userinfo.split_once(':') {
        None => Userinfo {
            username: unescape_str(userinfo, Encoding::UserPassword)?,
            password: None,
        },
        Some((name, password)) => Userinfo {
            username: unescape_str(name, Encoding::UserPassword)?,
            password: Some(unescape_str(password, Encoding::UserPassword)?),
        },
    };
    Ok((Some(user), host))
}

fn valid_userinfo(s: &str) -> bool {
    s.chars().all(|r| {
        r.is_ascii_alphanumeric()
            || matches!(
                r,
                '-' | '.'
                    | '_'
                    | ':'
                    | '~'
                    | '!'
                    | '$'
                    | '&'
                    | '\''
                    | '('
                    | ')'
                    | '*'
                    | '+'
                    | ','
                    | ';'
                    | '='
                    | '%'
                    | '@'
            )
    })
}

/// `validOptionalPort`: empty or `:` and digits.
fn valid_optional_port(port: &str) -> bool {
    port.is_empty() || (port.starts_with(':') && port[1..].bytes().all(|b| b.is_ascii_digit()))
}

/// `parseHost`: `host[:port]`, or an IP literal in brackets (RFC 3986, RFC 6874 zones).
fn parse_host(scheme: &str, host: &str) -> Result<String, String> {
    match host.rfind('[') {
        Some(i) if i > 0 => return Err("invalid IP-literal".to_string()),
        Some(_) => {
            let close = host
                .rfind(']')
                .ok_or_else(|| "missing ']' in host".to_string())?;
            let colon_port = &host[close + 1..];
            if !valid_optional_port(colon_port) {
                return Err(format!("invalid port {} after host", quote(colon_port)));
            }
            let colon_port = unescape_str(colon_port, Encoding::Host)?;
            let hostname = &host[1..close];
            let unescaped = match hostname.find("%25") {
                Some(zone) => {
                    let mut h = unescape(&hostname[..zone], Encoding::Host)?;
                    h.extend(unescape(&hostname[zone..], Encoding::Zone)?);
                    h
                }
                None => unescape(hostname, Encoding::Host)?,
            };
            // Only an IPv6 address may be in brackets (IPv4-mapped ones included).
            if parse_addr(&unescaped).map_err(|e| format!("invalid host: {e}"))? {
                return Err("invalid IP-literal".to_string());
            }
            let unescaped = String::from_utf8(unescaped).map_err(|_| NOT_UTF8.to_string())?;
            return Ok(format!("[{unescaped}]{colon_port}"));
        }
        None => {}
    }
    if let Some(first) = host.find(':') {
        // Colons in a host are historical (database host lists); http(s) URLs get the strict
        // reading since Go 1.26 (go.dev/issue/75223): the port starts at the first colon.
        let last = host.rfind(':').unwrap_or(first);
        let i = if scheme == "http" || scheme == "https" {
            first
        } else {
            last
        };
        let colon_port = &host[i..];
        if !valid_optional_port(colon_port) {
            return Err(format!("invalid port {} after host", quote(colon_port)));
        }
    }
    unescape_str(host, Encoding::Host)
}

/// `netip.ParseAddr`, only as far as `parseHost` needs it: whether the address is IPv4, or the
/// error's text.
fn parse_addr(s: &[u8]) -> Result<bool, String> {
    let err = |msg: &str, at: &[u8]| {
        let mut e = format!("ParseAddr({}): {msg}", quote_bytes(s));
        if !at.is_empty() {
            e.push_str(&format!(" (at {})", quote_bytes(at)));
        }
        e
    };
    for &c in s {
        match c {
            b'.' => return parse_ipv4_fields(s, &err).map(|()| true),
            b':' => return parse_ipv6(s, &err).map(|()| false),
            b'%' => return Err(err("missing IPv6 address", b"")),
            _ => {}
        }
    }
    Err(err("unable to parse IP", b""))
}

fn parse_ipv4_fields(s: &[u8], err: &dyn Fn(&str, &[u8]) -> String) -> Result<(), String> {
    let (mut val, mut pos, mut digits) = (0u32, 0, 0);
    for (i, &c) in s.iter().enumerate() {
        if c.is_ascii_digit() {
            if digits == 1 && val == 0 {
                return Err(err("IPv4 field has octet with leading zero", b""));
            }
            val = val * 10 + u32::from(c - b'0');
            digits += 1;
            if val > 255 {
                return Err(err("IPv4 field has value >255", b""));
            }
        } else if c == b'.' {
            if i == 0 || i == s.len() - 1 || s[i - 1] == b'.' {
                return Err(err("IPv4 field must have at least one digit", &s[i..]));
            }
            if pos == 3 {
                return Err(err("IPv4 address too long", b""));
            }
            pos += 1;
            val = 0;
            digits = 0;
        } else {
            return Err(err("unexpected character", &s[i..]));
        }
    }
    if pos < 3 {
        return Err(err("IPv4 address too short", b""));
    }
    Ok(())
}

fn parse_ipv6(input: &[u8], err: &dyn Fn(&str, &[u8]) -> String) -> Result<(), String> {
    let mut s = input;
    let mut zone_len = None;
    if let Some(i) = s.iter().position(|&c| c == b'%') {
        if i + 1 == s.len() {
            return Err(err("zone must be a non-empty string", b""));
        }
        zone_len = Some(s.len() - i - 1);
        s = &s[..i];
    }
    let mut ellipsis: Option<usize> = None;
    if s.starts_with(b"::") {
        ellipsis = Some(0);
        s = &s[2..];
        if s.is_empty() {
            return Ok(());
        }
    }
    let mut i = 0;
    while i < 16 {
        let mut off = 0;
        let mut acc = 0u32;
        while off < s.len() {
            let Some(d) = unhex(s[off]) else { break };
            acc = (acc << 4) + u32::from(d);
            if off > 3 {
                return Err(err("each group must have 4 or less digits", s));
            }
            if acc > 0xffff {
                return Err(err("IPv6 field has value >=2^16", s));
            }
            off += 1;
        }
        if off == 0 {
            return Err(err(
                "each colon-separated field must have at least one digit",
                s,
            ));
        }
        if off < s.len() && s[off] == b'.' {
            if ellipsis.is_none() && i != 12 {
                return Err(err(
                    "embedded IPv4 address must replace the final 2 fields of the address",
                    s,
                ));
            }
            if i + 4 > 16 {
                return Err(err(
                    "too many hex fields to fit an embedded IPv4 at the end of the address",
                    s,
                ));
            }
            let end = input.len() - zone_len.map_or(0, |z| z + 1);
            parse_ipv4_fields(&input[end - s.len()..end], err)?;
            s = b"";
            i += 4;
            break;
        }
        i += 2;
        s = &s[off..];
        if s.is_empty() {
            break;
        }
        if s[0] != b':' {
            return Err(err("unexpected character, want colon", s));
        } else if s.len() == 1 {
            return Err(err("colon must be followed by more characters", s));
        }
        s = &s[1..];
        if s[0] == b':' {
            if ellipsis.is_some() {
                return Err(err("multiple :: in address", s));
            }
            ellipsis = Some(i);
            s = &s[1..];
            if s.is_empty() {
                break;
            }
        }
    }
    if !s.is_empty() {
        return Err(err("trailing garbage after address", s));
    }
    if i < 16 {
        if ellipsis.is_none() {
            return Err(err("address string too short", b""));
        }
    } else if ellipsis.is_some() {
        return Err(err(
            "the :: must expand to at least one field of zeros",
            b"",
        ));
    }
    Ok(())
}

/// `validEncoded`: `s` needs no escaping beyond what it has.
fn valid_encoded(s: &str, mode: Encoding) -> bool {
    s.bytes().all(|c| {
        matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'@'
                | b'['
                | b']'
                | b'%'
        ) || !should_escape(c, mode)
    })
}

impl Url {
    /// `EscapedPath`: the given encoding when it is a valid one of the path, else the default.
    pub(crate) fn escaped_path(&self) -> String {
        if !self.raw_path.is_empty()
            && valid_encoded(&self.raw_path, Encoding::Path)
            && unescape(&self.raw_path, Encoding::Path).is_ok_and(|p| p == self.path.as_bytes())
        {
            return self.raw_path.clone();
        }
        if self.path == "*" {
            return "*".to_string();
        }
        escape(&self.path, Encoding::Path)
    }

    /// `EscapedFragment`.
    fn escaped_fragment(&self) -> String {
        if !self.raw_fragment.is_empty()
            && valid_encoded(&self.raw_fragment, Encoding::Fragment)
            && unescape(&self.raw_fragment, Encoding::Fragment)
                .is_ok_and(|f| f == self.fragment.as_bytes())
        {
            return self.raw_fragment.clone();
        }
        escape(&self.fragment, Encoding::Fragment)
    }

    /// `Query`: [`parse_query`] of the raw query, its error dropped.
    pub(crate) fn query(&self) -> Values {
        parse_query(&self.raw_query).0
    }
}

impl std::fmt::Display for Url {
    /// `URL.String`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut buf = String::new();
        if !self.scheme.is_empty() {
            buf.push_str(&self.scheme);
            buf.push(':');
        }
        if !self.opaque.is_empty() {
            buf.push_str(&self.opaque);
        } else {
            let authority = !self.scheme.is_empty() || !self.host.is_empty() || self.user.is_some();
            let empty_host_omitted = self.omit_host && self.host.is_empty() && self.user.is_none();
            if authority && !empty_host_omitted {
                if !self.host.is_empty() || !self.path.is_empty() || self.user.is_some() {
                    buf.push_str("//");
                }
                if let Some(u) = &self.user {
                    buf.push_str(&u.to_string());
                    buf.push('@');
                }
                buf.push_str(&escape(&self.host, Encoding::Host));
            }
            let path = self.escaped_path();
            if !path.is_empty() && !path.starts_with('/') && !self.host.is_empty() {
                buf.push('/');
            }
            // RFC 3986 §4.2: a first segment with a colon would read as a scheme.
            if buf.is_empty() && path.split('/').next().unwrap_or("").contains(':') {
                buf.push_str("./");
            }
            buf.push_str(&path);
        }
        if self.force_query || !self.raw_query.is_empty() {
            buf.push('?');
            buf.push_str(&self.raw_query);
        }
        if !self.fragment.is_empty() {
            buf.push('#');
            buf.push_str(&self.escaped_fragment());
        }
        f.write_str(&buf)
    }
}

/// `ParseQuery`: every valid pair, and the first error if any.
pub(crate) fn parse_query(query: &str) -> (Values, Option<String>) {
    let mut values = Values::new();
    if query.matches('&').count() + 1 > 10_000 {
        return (
            values,
            Some("number of URL query parameters exceeded limit".to_string()),
        );
    }
    let mut first_err = None;
    for pair in query.split('&') {
        if pair.contains(';') {
            first_err = Some("invalid semicolon separator in query".to_string());
            continue;
        }
        if pair.is_empty() {
            continue;
        }
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match (
            unescape_str(key, Encoding::QueryComponent),
            unescape_str(value, Encoding::QueryComponent),
        ) {
            (Ok(k), Ok(v)) => values.entry(k).or_default().push(v),
            (Err(e), _) | (_, Err(e)) => {
                first_err.get_or_insert(e);
            }
        }
    }
    (values, first_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_like_net_url() {
        let u = parse("https://user:p%40ss@Host.example:8080/a%2Fb/c.git?x=1#frag:sub").unwrap();
        assert_eq!(u.scheme, "https");
        assert_eq!(u.host, "Host.example:8080");
        assert_eq!(u.path, "/a/b/c.git");
        assert_eq!(u.raw_path, "/a%2Fb/c.git");
        assert_eq!(u.fragment, "frag:sub");
        assert_eq!(
            u.user,
            Some(Userinfo {
                username: "user".into(),
                password: Some("p@ss".into())
            })
        );
        assert_eq!(
            u.to_string(),
            "https://user:p%40ss@Host.example:8080/a%2Fb/c.git?x=1#frag:sub"
        );
        assert_eq!(
            parse("https://h:x/").unwrap_err(),
            r#"parse "https://h:x/": invalid port ":x" after host"#
        );
        assert_eq!(
            parse("http://[::1%25]/").unwrap_err(),
            r#"parse "http://[::1%25]/": invalid host: ParseAddr("::1%"): zone must be a non-empty string"#
        );
        assert_eq!(
            parse("a:b/c").unwrap().opaque,
            "b/c",
            "a rootless path after a scheme is opaque"
        );
    }

    #[test]
    fn queries_keep_the_valid_pairs() {
        let (v, err) = parse_query("a=1&b&a=%zz&c=x+y&d;e");
        assert_eq!(v["a"], ["1"]);
        assert_eq!(v["b"], [""]);
        assert_eq!(v["c"], ["x y"]);
        // A semicolon's error replaces an earlier one; an escape's does not.
        assert_eq!(err.as_deref(), Some("invalid semicolon separator in query"));
        assert_eq!(
            parse_query("a=%zz&b=%yy").1.as_deref(),
            Some(r#"invalid URL escape "%zz""#)
        );
    }
}
