//! `SOURCE_DATE_EPOCH=<stage>`: the time of the stage's source, found as the reference finds it
//! (dockerfile2llb/epoch.go `resolveSourceDateEpochFromState`): a git source's commit time or an
//! HTTP source's Last-Modified from ResolveSourceMeta, else the newest file in the downloaded
//! archive.

use std::io::Read;

use crate::convert::EpochRequest;
use crate::llb;
use crate::proto::moby::buildkit::v1::frontend as gw;

use super::bridge::{Bridge, Caps};
use super::error::FrontendError;

/// The request grpcclient's `ResolveSourceMetadata` sends for the epoch: git sources ask for
/// the commit object, which holds the time.
pub fn meta_request(request: &EpochRequest) -> gw::ResolveSourceMetaRequest {
    let git = request.source.identifier.starts_with("git://");
    gw::ResolveSourceMetaRequest {
        source: Some(request.source.clone()),
        log_name: request.log_name.clone(),
        git: git.then_some(gw::ResolveSourceGitRequest {
            return_object: true,
        }),
        ..Default::default()
    }
}

/// The epoch in unix seconds, or none.
pub(crate) async fn resolve(
    bridge: &Bridge,
    caps: &Caps,
    request: &EpochRequest,
) -> Result<Option<i64>, FrontendError> {
    let source = &request.source;
    // Without the cap the Go client answers non-image sources with the op alone, so only the
    // archive scan below can find a time.
    if caps.has_frontend("source.metaresolver") {
        let answer = bridge.resolve_source_meta(meta_request(request)).await?;
        if let Some(object) = answer
            .git
            .map(|g| g.commit_object)
            .filter(|o| !o.is_empty())
        {
            return commit_time(&object).map_err(FrontendError::Convert);
        }
        if let Some(http) = answer.http {
            crate::convert::reference::parse_digest(&http.checksum).map_err(|e| {
                FrontendError::Convert(format!(
                    "invalid http checksum digest {}: {e}",
                    crate::go::quote(&http.checksum)
                ))
            })?;
            if let Some(t) = http.last_modified {
                return Ok(Some(t.seconds));
            }
        }
    }
    let http =
        source.identifier.starts_with("http://") || source.identifier.starts_with("https://");
    let filename = match source.attrs.get("http.filename") {
        Some(f) if http && !f.is_empty() => f,
        _ => return Ok(None),
    };
    let download = llb::Source::raw(source.identifier.clone(), source.attrs.clone()).build();
    let ref_id = bridge
        .solve(llb::Definition::marshal(&download).into_pb(), Vec::new())
        .await?;
    let data = bridge.read_file(&ref_id, filename).await?;
    Ok(archive_time(&data))
}

/// `gitobject.Parse` then `ToCommit`: the committer's time, none when the line has none.
fn commit_time(object: &[u8]) -> Result<Option<i64>, String> {
    let text = String::from_utf8_lossy(object);
    if text.starts_with("object ") {
        return Err("not a commit object".to_string());
    }
    let mut headers: Vec<(&str, &str)> = Vec::new();
    let mut in_signature = false;
    for line in text.split('\n') {
        if line.is_empty() {
            break;
        }
        if line.starts_with("gpgsig ") || line.starts_with("gpgsig-sha256 ") {
            in_signature = true;
            continue;
        }
        if in_signature && line.starts_with(' ') {
            continue;
        }
        in_signature = false;
        if let Some(header) = line.split_once(' ') {
            headers.push(header);
        }
    }
    for required in ["tree", "author", "committer"] {
        if !headers.iter().any(|(k, _)| *k == required) {
            return Err(format!("invalid commit object: missing {required} header"));
        }
    }
    let committer = headers
        .iter()
        .find(|(k, _)| *k == "committer")
        .map_or("", |(_, v)| v);
    Ok(actor_time(committer))
}

/// `parseActor`'s time: `name <email> <unix seconds> <±hhmm>`, none when malformed.
fn actor_time(actor: &str) -> Option<i64> {
    let actor = actor.trim();
    let (start, end) = (actor.rfind('<')?, actor.rfind('>')?);
    if end < start {
        return None;
    }
    let mut fields = actor[end + 1..].split_whitespace();
    let (seconds, zone) = (fields.next()?, fields.next()?);
    let seconds = seconds.parse::<i64>().ok()?;
    let zone = zone.as_bytes();
    (zone.len() == 5 && matches!(zone[0], b'+' | b'-')).then_some(seconds)
}

/// `archiveMaxTimeFromRef` with non-archives allowed: the newest modification time of a
/// regular file in a tar, gzip-compressed or not; none for anything that does not read as one.
/// The reference also reads bzip2 and zstd tars (xz needs an `xz` binary the reference's image
/// does not have); those give none here.
fn archive_time(data: &[u8]) -> Option<i64> {
    const BZIP2: &[u8] = b"BZh";
    const XZ: &[u8] = &[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
    const ZSTD: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];
    if data.starts_with(&[0x1f, 0x8b, 0x08]) {
        newest_regular_file(flate2::read::MultiGzDecoder::new(data))
    } else if data.starts_with(BZIP2) || data.starts_with(XZ) || data.starts_with(ZSTD) {
        None
    } else {
        newest_regular_file(data)
    }
}

/// Go's `time.Time{}.Unix()`: what a header without a time (a PAX global header, which
/// archive/tar returns as an entry of its own) counts as.
const ZERO_TIME: i64 = -62_135_596_800;

/// Walks a tar as archive/tar's `Reader.Next` does, with any error (a bad checksum or number, a
/// truncated entry) giving none.
fn newest_regular_file(mut r: impl Read) -> Option<i64> {
    let mut newest: Option<i64> = None;
    let mut pax: Vec<(String, String)> = Vec::new();
    let mut long_name: Option<String> = None;
    loop {
        let mut block = [0u8; 512];
        if !read_block(&mut r, &mut block)? {
            return newest;
        }
        if block.iter().all(|&b| b == 0) {
            // Two zero blocks end the archive; one followed by a header is corrupt.
            if !read_block(&mut r, &mut block)? || block.iter().all(|&b| b == 0) {
                return newest;
            }
            return None;
        }
        if !checksum_ok(&block) {
            return None;
        }
        let mut size = numeric(&block[124..136])?;
        let mode = numeric(&block[100..108])?;
        let mut mtime = numeric(&block[136..148])?;
        let flag = block[156];
        if let Some((_, v)) = pax.iter().find(|(k, _)| k == "size") {
            size = v.parse().ok()?;
        }
        if size < 0 {
            return None;
        }
        match flag {
            b'x' | b'g' | b'L' | b'K' => {
                let data = read_data(&mut r, size)?;
                match flag {
                    b'x' => pax = pax_records(&data)?,
                    b'L' => {
                        long_name =
                            Some(String::from_utf8_lossy(&data).trim_end_matches('\0').into())
                    }
                    b'g' => newest = Some(newest.map_or(ZERO_TIME, |n| n.max(ZERO_TIME))),
                    _ => {}
                }
                continue;
            }
            _ => {}
        }
        let name = pax
            .iter()
            .find(|(k, _)| k == "path")
            .map(|(_, v)| v.clone())
            .or(long_name.take())
            .unwrap_or_else(|| field_str(&block[0..100]));
        if let Some((_, v)) = pax.iter().find(|(k, _)| k == "mtime") {
            mtime = pax_seconds(v)?;
        }
        pax.clear();
        skip_data(&mut r, size)?;
        let dir = flag == b'5' || (flag == 0 && name.ends_with('/'));
        let special = matches!(flag, b'2' | b'3' | b'4' | b'6');
        // `FileInfo().Mode()` also takes the type from the mode's S_IFMT bits.
        let typed = matches!(
            mode & 0o170000,
            0o040000 | 0o010000 | 0o120000 | 0o060000 | 0o020000 | 0o140000
        );
        if !dir && !special && !typed {
            newest = Some(newest.map_or(mtime, |n| n.max(mtime)));
        }
    }
}

/// `tar.NewReader(header).Next()` succeeds: the first entry's header (after any PAX or GNU
/// long-name records, which must fit) reads, with a valid checksum and numeric fields.
pub(super) fn starts_with_tar_entry(mut r: &[u8]) -> bool {
    let mut block = [0u8; 512];
    loop {
        if read_block(&mut r, &mut block) != Some(true) || block.iter().all(|&b| b == 0) {
            return false;
        }
        if !checksum_ok(&block) {
            return false;
        }
        let fields = [
            &block[100..108],
            &block[108..116],
            &block[116..124],
            &block[124..136],
            &block[136..148],
        ];
        let Some(size) = fields
            .iter()
            .map(|f| numeric(f))
            .collect::<Option<Vec<_>>>()
            .map(|v| v[3])
        else {
            return false;
        };
        match block[156] {
            b'x' => match read_data(&mut r, size) {
                Some(data) if pax_records(&data).is_some() => continue,
                _ => return false,
            },
            b'L' | b'K' => {
                if read_data(&mut r, size).is_none() {
                    return false;
                }
            }
            _ => return size >= 0,
        }
    }
}

/// One whole block; `false` at a clean end of the stream, none when it ends inside one.
fn read_block(r: &mut impl Read, block: &mut [u8; 512]) -> Option<bool> {
    let mut filled = 0;
    while filled < block.len() {
        match r.read(&mut block[filled..]) {
            Ok(0) => return (filled == 0).then_some(false),
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    Some(true)
}

fn padded(size: i64) -> u64 {
    (size as u64).div_ceil(512) * 512
}

fn read_data(r: &mut impl Read, size: i64) -> Option<Vec<u8>> {
    // Extension headers are small; a huge one is not a tar the reference would read either.
    if size > 1 << 20 {
        return None;
    }
    let mut data = vec![0u8; padded(size) as usize];
    r.read_exact(&mut data).ok()?;
    data.truncate(size as usize);
    Some(data)
}

fn skip_data(r: &mut impl Read, size: i64) -> Option<()> {
    let want = padded(size);
    let skipped = std::io::copy(&mut r.take(want), &mut std::io::sink()).ok()?;
    (skipped == want).then_some(())
}

/// The header checksum, summed unsigned or signed as archive/tar accepts either.
fn checksum_ok(block: &[u8; 512]) -> bool {
    let Some(want) = numeric(&block[148..156]) else {
        return false;
    };
    let (mut unsigned, mut signed) = (0i64, 0i64);
    for (i, &b) in block.iter().enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { b };
        unsigned += i64::from(b);
        signed += i64::from(b as i8);
    }
    want == unsigned || want == signed
}

/// archive/tar `parseNumeric`: base-256 when the top bit is set, else octal padded with spaces
/// or NULs.
fn numeric(field: &[u8]) -> Option<i64> {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        let negative = field[0] & 0x40 != 0;
        let mut value: u64 = 0;
        for (i, &b) in field.iter().enumerate() {
            let b = if negative { !b } else { b };
            let b = if i == 0 { b & 0x7f } else { b };
            if value >> 56 != 0 {
                return None;
            }
            value = (value << 8) | u64::from(b);
        }
        let value = i64::try_from(value).ok()?;
        return Some(if negative { !value } else { value });
    }
    let text = std::str::from_utf8(field).ok()?.trim_matches([' ', '\0']);
    if text.is_empty() {
        return Some(0);
    }
    i64::from_str_radix(text, 8).ok()
}

fn field_str(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

/// PAX records: `<length> <key>=<value>\n`.
fn pax_records(mut data: &[u8]) -> Option<Vec<(String, String)>> {
    let mut records = Vec::new();
    while !data.is_empty() {
        let space = data.iter().position(|&b| b == b' ')?;
        let length: usize = std::str::from_utf8(&data[..space]).ok()?.parse().ok()?;
        if length <= space || length > data.len() || data[length - 1] != b'\n' {
            return None;
        }
        let record = std::str::from_utf8(&data[space + 1..length - 1]).ok()?;
        let (key, value) = record.split_once('=')?;
        records.push((key.to_string(), value.to_string()));
        data = &data[length..];
    }
    Some(records)
}

/// `parsePAXTime` seconds, as `Time.Unix` rounds them: toward negative infinity.
fn pax_seconds(v: &str) -> Option<i64> {
    let (whole, fraction) = v.split_once('.').unwrap_or((v, ""));
    let seconds: i64 = whole.parse().ok()?;
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let below = whole.starts_with('-') && fraction.bytes().any(|b| b != b'0');
    Some(if below { seconds - 1 } else { seconds })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const COMMIT: &str = "tree 9bedf67800b2923982bdf60c89c57ce6fd2d9a1c\nparent 1111111111111111111111111111111111111111\nauthor A U Thor <a@example.com> 1700000000 +0200\ncommitter C O Mitter <c@example.com> 1758656883 -0700\ngpgsig -----BEGIN PGP SIGNATURE-----\n committer Not Me <x@y> 1 +0000\n -----END PGP SIGNATURE-----\n\nmessage\ncommitter in the body 5 +0000\n";

    #[test]
    fn the_committer_line_gives_the_time() {
        assert_eq!(commit_time(COMMIT.as_bytes()), Ok(Some(1758656883)));
        let no_zone = COMMIT.replace(" -0700", "");
        assert_eq!(commit_time(no_zone.as_bytes()), Ok(None));
        let name_with_angle = COMMIT.replace("C O Mitter <c", "C <O> Mitter <c");
        assert_eq!(
            commit_time(name_with_angle.as_bytes()),
            Ok(Some(1758656883))
        );
        let missing = COMMIT.replace("tree ", "tre ");
        assert_eq!(
            commit_time(missing.as_bytes()),
            Err("invalid commit object: missing tree header".to_string())
        );
        assert_eq!(
            commit_time(b"object abc\ntype commit\n"),
            Err("not a commit object".to_string())
        );
    }

    /// A ustar header for `name` with a valid checksum.
    fn header(name: &str, flag: u8, mode: u32, size: usize, mtime: i64) -> [u8; 512] {
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[100..107].copy_from_slice(format!("{mode:07o}").as_bytes());
        h[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
        h[136..147].copy_from_slice(format!("{mtime:011o}").as_bytes());
        h[156] = flag;
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        h
    }

    fn entry(tar: &mut Vec<u8>, name: &str, flag: u8, mode: u32, data: &[u8], mtime: i64) {
        tar.extend_from_slice(&header(name, flag, mode, data.len(), mtime));
        tar.extend_from_slice(data);
        tar.resize(tar.len().div_ceil(512) * 512, 0);
    }

    fn sample() -> Vec<u8> {
        let mut tar = Vec::new();
        entry(&mut tar, "dir/", b'5', 0o755, b"", 1_900_000_000);
        entry(&mut tar, "dir/a", b'0', 0o644, b"hello", 1_600_000_000);
        entry(&mut tar, "dir/link", b'2', 0o777, b"", 1_950_000_000);
        entry(&mut tar, "dir/b", b'0', 0o644, &[7u8; 700], 1_700_000_000);
        let pax = b"20 mtime=1750000000\n";
        entry(&mut tar, "PaxHeaders/c", b'x', 0o644, pax, 0);
        entry(&mut tar, "dir/c", b'0', 0o644, b"c", 1);
        entry(&mut tar, "dir/fifo", b'0', 0o010644, b"", 1_990_000_000);
        tar.extend_from_slice(&[0u8; 1024]);
        tar
    }

    #[test]
    fn the_newest_regular_file_of_a_tar_is_the_time() {
        assert_eq!(archive_time(&sample()), Some(1_750_000_000));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&sample()).unwrap();
        assert_eq!(archive_time(&gz.finish().unwrap()), Some(1_750_000_000));
        // Without the end blocks, a clean end of the stream still ends the archive.
        let tar = sample();
        assert_eq!(archive_time(&tar[..tar.len() - 1024]), Some(1_750_000_000));
    }

    #[test]
    fn what_does_not_read_as_a_tar_gives_no_time() {
        assert_eq!(archive_time(b"#!/bin/sh\necho not an archive\n"), None);
        assert_eq!(archive_time(b""), None);
        let mut tar = sample();
        tar[600] ^= 1;
        assert_eq!(archive_time(&tar), None, "a bad checksum");
        let tar = sample();
        assert_eq!(
            archive_time(&tar[..1024 + 100]),
            None,
            "truncated in a file"
        );
        let mut only_dirs = Vec::new();
        entry(&mut only_dirs, "d/", b'5', 0o755, b"", 5);
        assert_eq!(archive_time(&only_dirs), None);
        assert_eq!(archive_time(b"BZh91AY&SY"), None);
    }

    #[test]
    fn a_first_tar_header_is_found_as_archive_tar_finds_it() {
        let tar = sample();
        assert!(starts_with_tar_entry(&tar[..1024]));
        assert!(starts_with_tar_entry(&tar[..512]), "the header alone");
        assert!(!starts_with_tar_entry(&tar[..511]));
        assert!(!starts_with_tar_entry(&[0u8; 1024]), "end blocks only");
        let mut bad = tar.clone();
        bad[10] ^= 1;
        assert!(!starts_with_tar_entry(&bad[..1024]), "a bad checksum");
        // A PAX header is read through to the entry it describes.
        let mut pax = Vec::new();
        entry(
            &mut pax,
            "PaxHeaders/c",
            b'x',
            0o644,
            b"20 mtime=1750000000\n",
            0,
        );
        assert!(!starts_with_tar_entry(&pax), "nothing after the PAX header");
        entry(&mut pax, "c", b'0', 0o644, b"c", 1);
        assert!(starts_with_tar_entry(&pax[..1536]));
        assert!(!starts_with_tar_entry(b"FROM busybox\nRUN true\n"));
    }

    #[test]
    fn base_256_and_pax_times_read_as_archive_tar_reads_them() {
        let mut field = [0u8; 12];
        field[0] = 0x80;
        field[11] = 0x10;
        assert_eq!(numeric(&field), Some(16));
        let negative = [0xffu8; 12];
        assert_eq!(numeric(&negative), Some(-1));
        assert_eq!(pax_seconds("-1.5"), Some(-2));
        assert_eq!(pax_seconds("12.000"), Some(12));
    }
}
