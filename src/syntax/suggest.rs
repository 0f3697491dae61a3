//! "Did you mean ...?" suggestions by edit distance, for instructions, flags and option keys.

/// Edit distance over characters where swapping two neighbours counts as one edit (optimal
/// string alignment), so `--form` is one typo away from `--from`.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

/// The closest candidate to `word`, if it is close enough to be a plausible typo: at most a third
/// of the word's length (and at least one edit) away. Comparison ignores ASCII case unless
/// `case_sensitive`.
pub fn closest<'a>(word: &str, candidates: &[&'a str], case_sensitive: bool) -> Option<&'a str> {
    let norm = |s: &str| {
        if case_sensitive {
            s.to_string()
        } else {
            s.to_ascii_lowercase()
        }
    };
    let word_n = norm(word);
    let word_len = word_n.chars().count();
    let limit = (word_len / 3).max(1);
    candidates
        .iter()
        // The distance is at least the length difference: skip hopeless candidates without
        // running the quadratic computation (a keyword may be tens of kilobytes long).
        .filter(|c| word_len.abs_diff(c.chars().count()) <= limit)
        .map(|c| (edit_distance(&word_n, &norm(c)), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("COPPY", "COPY"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("form", "from"), 1);
    }

    #[test]
    fn suggests_only_close_words() {
        let names = ["COPY", "CMD", "RUN", "ENTRYPOINT"];
        assert_eq!(closest("coppy", &names, false), Some("COPY"));
        assert_eq!(closest("ENTRYPONT", &names, false), Some("ENTRYPOINT"));
        assert_eq!(closest("BANANA", &names, false), None);
        let huge = "x".repeat(100_000);
        let t = std::time::Instant::now();
        assert_eq!(closest(&huge, &names, false), None);
        assert!(t.elapsed() < std::time::Duration::from_millis(100));
    }
}
