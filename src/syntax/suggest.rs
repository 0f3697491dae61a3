//! "Did you mean ...?" as the reference computes it (util/suggest `Search`): the first option
//! fewer than 3 Levenshtein edits away that is closer than any before it; none when the value is
//! one of the options (the error is then about something else). Case-insensitive searches answer
//! in the case the value was written in (`matchCase`).

/// The reference's threshold: a suggestion is fewer than this many edits away.
const MAX_DISTANCE: usize = 3;

/// `suggest.Search`. The reference ranges over Go maps for most option lists, so it breaks ties
/// at random; we take the first of `options`.
pub(crate) fn search(value: &str, options: &[&str], case_sensitive: bool) -> Option<String> {
    let norm = |s: &str| {
        if case_sensitive {
            s.to_string()
        } else {
            s.to_lowercase()
        }
    };
    let value_n = norm(value);
    let value_len = value_n.chars().count();
    let mut best: Option<(usize, String)> = None;
    for option in options {
        let option_n = norm(option);
        if option_n == value_n {
            return None;
        }
        // The distance is at least the length difference: skip hopeless options without the
        // quadratic computation (a fuzzer found a 50 KB keyword taking seconds).
        if value_len.abs_diff(option_n.chars().count()) >= MAX_DISTANCE {
            continue;
        }
        let distance = strsim::levenshtein(&value_n, &option_n);
        if distance < best.as_ref().map_or(MAX_DISTANCE, |(d, _)| *d) {
            best = Some((distance, option_n));
        }
    }
    best.map(|(_, option)| {
        if case_sensitive {
            option
        } else {
            match_case(&option, value)
        }
    })
}

/// `matchCase`: all lower or all upper like what was written, else the option as it is.
fn match_case(option: &str, written: &str) -> String {
    if written == written.to_lowercase() {
        option.to_lowercase()
    } else if written == written.to_uppercase() {
        option.to_uppercase()
    } else {
        option.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_like_util_suggest() {
        let names = ["copy", "cmd", "run", "entrypoint"];
        assert_eq!(search("coppy", &names, false).as_deref(), Some("copy"));
        assert_eq!(search("COPPY", &names, false).as_deref(), Some("COPY"));
        assert_eq!(search("Coppy", &names, false).as_deref(), Some("copy"));
        assert_eq!(
            search("FNTRYPOINT", &names, false).as_deref(),
            Some("ENTRYPOINT")
        );
        assert_eq!(search("BANANA", &names, false), None);
        assert_eq!(
            search("copy", &names, false),
            None,
            "an exact match suggests nothing"
        );
        // Two edits is still a suggestion; a swap counts two (plain Levenshtein).
        let types = ["bind", "cache", "tmpfs", "secret", "ssh"];
        assert_eq!(search("tmp", &types, true).as_deref(), Some("tmpfs"));
        assert_eq!(search("cahce", &types, true).as_deref(), Some("cache"));
        assert_eq!(search("tmpfsxyz", &types, true), None);
        let huge = "x".repeat(100_000);
        assert_eq!(search(&huge, &names, false), None);
    }
}
