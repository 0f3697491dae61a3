//! EXPOSE port specs (dockerfile2llb/convert_expose.go): `[ip:][hostPort:]port[-end][/proto]`
//! becomes one `port/proto` per port of the range; the protocol defaults to tcp.
//! Also STOPSIGNAL validation (moby/sys/signal `ParseSignal` with the Linux signal table).

use crate::syntax::rules::{self, Rule};

/// Parse each spec into `port/proto` strings, in order.
pub(crate) fn parse_ports(specs: &[String]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for spec in specs {
        out.extend(parse_port(spec)?);
    }
    Ok(out)
}

/// The build checks `parsePort` runs on one port spec, in its order: ExposeProtoCasing,
/// ExposeInvalidFormat (as rule and detail text). None for a spec that does not parse.
pub(crate) fn port_warnings(raw: &str) -> Vec<(&'static Rule, String)> {
    let (ip, host_port, container_port) = split_parts(raw);
    let Ok((proto, _)) = split_proto_port(container_port) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if proto != proto.to_lowercase() {
        out.push((
            &rules::EXPOSE_PROTO_CASING,
            format!("Defined protocol '{raw}' in EXPOSE instruction should be lowercase"),
        ));
    }
    if !ip.is_empty() || !host_port.is_empty() {
        out.push((
            &rules::EXPOSE_INVALID_FORMAT,
            format!("EXPOSE instruction should not define an IP address or host-port mapping, found '{raw}'"),
        ));
    }
    out
}

fn parse_port(raw: &str) -> Result<Vec<String>, String> {
    let (ip, host_port, container_port) = split_parts(raw);
    let (proto, container_port) =
        split_proto_port(container_port).map_err(|e| format!("invalid port: {raw:?}: {e}"))?;
    let mut ip = ip.to_string();
    if ip.starts_with('[') {
        ip = ip
            .strip_prefix('[')
            .and_then(|s| s.strip_suffix(']'))
            .map(str::to_string)
            .ok_or_else(|| format!("invalid IP address {ip}"))?;
    }
    if !ip.is_empty() && ip.parse::<std::net::IpAddr>().is_err() {
        return Err(format!("invalid IP address: {ip}"));
    }
    let (start, end) = parse_port_range(container_port)
        .map_err(|_| format!("invalid containerPort: {container_port}"))?;
    if !host_port.is_empty() {
        let (hs, he) =
            parse_port_range(host_port).map_err(|_| format!("invalid hostPort: {host_port}"))?;
        if end - start != he - hs && end != start {
            return Err(format!(
                "invalid ranges specified for container and host Ports: {container_port} and {host_port}"
            ));
        }
    }
    let proto = proto.to_ascii_lowercase();
    Ok((start..=end).map(|p| format!("{p}/{proto}")).collect())
}

fn split_parts(raw: &str) -> (&str, &str, &str) {
    let parts: Vec<&str> = raw.split(':').collect();
    match parts.len() {
        1 => ("", "", parts[0]),
        2 => ("", parts[0], parts[1]),
        3 => (parts[0], parts[1], parts[2]),
        n => {
            // Everything before the last two parts is the (IPv6) address.
            let ip_len = raw.len() - parts[n - 1].len() - parts[n - 2].len() - 2;
            (&raw[..ip_len], parts[n - 2], parts[n - 1])
        }
    }
}

fn split_proto_port(raw: &str) -> Result<(&str, &str), String> {
    let (port, proto) = raw.split_once('/').unwrap_or((raw, ""));
    if port.is_empty() {
        return Err("no port specified".to_string());
    }
    match proto.to_ascii_lowercase().as_str() {
        "" => Ok(("tcp", port)),
        "tcp" | "udp" | "sctp" => Ok((proto, port)),
        _ => Err(format!("invalid proto: {proto}")),
    }
}

fn parse_port_range(ports: &str) -> Result<(u32, u32), String> {
    if ports.is_empty() {
        return Err("empty string specified for ports".to_string());
    }
    let (start, end) = match ports.split_once('-') {
        Some((s, e)) => (s, Some(e)),
        None => (ports, None),
    };
    let start_port = parse_port_number(start)?;
    match end {
        None => Ok((start_port, start_port)),
        Some(e) if e == start => Ok((start_port, start_port)),
        Some(e) => {
            let end_port = parse_port_number(e)?;
            if end_port < start_port {
                return Err(format!("invalid port range: {ports}"));
            }
            Ok((start_port, end_port))
        }
    }
}

fn parse_port_number(raw: &str) -> Result<u32, String> {
    let n: i64 = raw.parse().map_err(|_| "invalid syntax".to_string())?;
    if !(0..=65535).contains(&n) {
        return Err("value out of range (0–65535)".to_string());
    }
    Ok(n as u32)
}

/// Linux signal names accepted by STOPSIGNAL, without the `SIG` prefix.
const SIGNALS: [&str; 35] = [
    "ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO", "IOT", "KILL",
    "PIPE", "POLL", "PROF", "PWR", "QUIT", "SEGV", "STKFLT", "STOP", "SYS", "TERM", "TRAP", "TSTP",
    "TTIN", "TTOU", "URG", "USR1", "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ", "UNUSED",
];

/// moby/sys/signal `ParseSignal`: a non-zero number or a known name (`SIGTERM`, `term`, `RTMIN+3`).
pub(crate) fn validate_signal(raw: &str) -> Result<(), String> {
    let invalid = || format!("invalid signal: {raw}");
    if let Ok(n) = raw.parse::<i64>() {
        return if n == 0 { Err(invalid()) } else { Ok(()) };
    }
    let upper = raw.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    let realtime = |prefix: &str, sign: char| -> bool {
        match name.strip_prefix(prefix) {
            Some("") => true,
            Some(rest) => rest
                .strip_prefix(sign)
                .and_then(|n| n.parse::<u32>().ok())
                .is_some_and(|n| (1..=15).contains(&n) && !rest[1..].starts_with('0')),
            None => false,
        }
    };
    if SIGNALS.contains(&name) || realtime("RTMIN", '+') || realtime("RTMAX", '-') {
        Ok(())
    } else {
        Err(invalid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ports(specs: &[&str]) -> Result<Vec<String>, String> {
        parse_ports(&specs.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn expands_ranges_and_default_protocol() {
        assert_eq!(
            ports(&["80", "443/UDP", "8000-8002/tcp"]).unwrap(),
            vec!["80/tcp", "443/udp", "8000/tcp", "8001/tcp", "8002/tcp"]
        );
        assert_eq!(ports(&["127.0.0.1:8080:80"]).unwrap(), vec!["80/tcp"]);
        assert_eq!(ports(&["[::1]:8080:80"]).unwrap(), vec!["80/tcp"]);
    }

    #[test]
    fn rejects_bad_ports() {
        assert!(ports(&["70000"]).is_err());
        assert!(ports(&["80/xyz"]).is_err());
        assert!(ports(&["90-80"]).is_err());
        assert!(ports(&["abc"]).is_err());
        assert!(ports(&["1.2.3:80:80"]).is_err());
    }

    #[test]
    fn signals() {
        assert!(validate_signal("SIGTERM").is_ok());
        assert!(validate_signal("kill").is_ok());
        assert!(validate_signal("9").is_ok());
        assert!(validate_signal("SIGRTMIN+3").is_ok());
        assert!(validate_signal("0").is_err());
        assert!(validate_signal("SIGFOO").is_err());
    }
}
