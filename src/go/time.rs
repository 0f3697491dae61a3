//! Go's `time.ParseDuration`, used by the HEALTHCHECK duration flags (`--interval=1m30s`).

/// Parses a Go duration string to nanoseconds (may be negative).
pub(crate) fn parse_duration(s: &str) -> Result<i128, String> {
    let err = || format!("time: invalid duration {}", crate::go::quote(s));
    let mut rest = s;
    let neg = rest.starts_with('-');
    if rest.starts_with('-') || rest.starts_with('+') {
        rest = &rest[1..];
    }
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(err());
    }
    let mut total: f64 = 0.0;
    let mut exact: i128 = 0;
    let mut all_exact = true;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let int_part = &rest[..int_len];
        rest = &rest[int_len..];
        let mut frac_part = "";
        if let Some(r) = rest.strip_prefix('.') {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            frac_part = &r[..n];
            rest = &r[n..];
            if int_len == 0 && n == 0 {
                return Err(err());
            }
        } else if int_len == 0 {
            return Err(err());
        }
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| *c == '.' || c.is_ascii_digit())
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let scale: i128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "" => {
                return Err(format!(
                    "time: missing unit in duration {}",
                    crate::go::quote(s)
                ))
            }
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    crate::go::quote(unit),
                    crate::go::quote(s)
                ))
            }
        };
        let int_val: i128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse::<i128>().map_err(|_| err())?
        };
        exact = exact
            .checked_add(int_val.checked_mul(scale).ok_or_else(err)?)
            .ok_or_else(err)?;
        if !frac_part.is_empty() {
            all_exact = false;
            let f: f64 = format!("0.{frac_part}").parse().map_err(|_| err())?;
            total += f * scale as f64;
        }
    }
    let mut ns = exact;
    if !all_exact {
        ns += total as i128;
    }
    if ns > i64::MAX as i128 {
        return Err(err());
    }
    Ok(if neg { -ns } else { ns })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        let table: &[(&str, Result<i128, &str>)] = &[
            ("0", Ok(0)),
            ("1s", Ok(1_000_000_000)),
            ("1m30s", Ok(90_000_000_000)),
            ("1.5h", Ok(5_400_000_000_000)),
            ("-2ms", Ok(-2_000_000)),
            ("300us", Ok(300_000)),
            (".5s", Ok(500_000_000)),
            ("", Err("time: invalid duration \"\"")),
            ("10", Err("time: missing unit in duration \"10\"")),
            ("3d", Err("time: unknown unit \"d\" in duration \"3d\"")),
            ("s", Err("time: invalid duration \"s\"")),
        ];
        for (input, want) in table {
            assert_eq!(
                parse_duration(input),
                want.map_err(|e| e.to_string()),
                "{input}"
            );
        }
    }
}
