//! The main build context when it is not the client's `context` directory, found as the
//! reference finds it (frontend/dockerui/context.go `initContext`): the `context` option (or the
//! option `contextkey` names) holding a git URL (`DetectGitContext`) or an http(s) URL
//! (`DetectHTTPContext`, downloaded at once to tell an archive from a Dockerfile), else a
//! `context` frontend input; any of them scoped to `contextsubdir` (`scopeToSubDir`).
//!
//! Such a context changes more than the context: a git or HTTP context is also where the
//! Dockerfile is read from (the whole repository or download, not the subdirectory), and none
//! has a `.dockerignore` (`DockerIgnorePatterns` gives nothing). In: the options and the frontend
//! inputs; out: a [`MainContext`], whose LLB the converter uses instead of `local://context`.

use std::collections::BTreeMap;

use crate::convert::git_ref::{parse_git_ref, GitRefError};
use crate::go::parse_bool;
use crate::llb::{self, OpOptions};
use crate::proto::pb;

use super::bridge::Bridge;
use super::error::FrontendError;
use super::opts::FrontendOpts;

/// The name an HTTP context is downloaded as, and the Dockerfile's name when the download is
/// not an archive.
pub const HTTP_CONTEXT_FILENAME: &str = "context";

/// What the build context is, once the options and inputs are read.
#[derive(Debug, Clone, Default)]
pub struct MainContext {
    /// The context's LLB for [`crate::convert::ConvertOptions::main_context`]: `None` for the
    /// client's local `context` (the converter makes that source), `Some(None)` for an empty
    /// one.
    pub context: Option<Option<llb::Output>>,
    /// The definition the Dockerfile is read from instead of the `dockerfile` local (unless
    /// `dockerfilekey` forces the local): the git or HTTP context, before `contextsubdir`.
    pub dockerfile: Option<pb::Definition>,
    /// The Dockerfile's name when it is not the `filename` option: an HTTP download that is
    /// not an archive is itself the Dockerfile, named [`HTTP_CONTEXT_FILENAME`].
    pub filename: Option<String>,
}

impl MainContext {
    /// True when the context is the client's local directory, which alone has a
    /// `.dockerignore` and follow paths.
    pub fn is_local(&self) -> bool {
        self.context.is_none()
    }
}

/// The options a git context takes from the build (`initContext`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GitContextOptions {
    /// `build-arg:BUILDKIT_CONTEXT_KEEP_GIT_DIR`, when it parses as a Go bool.
    pub keep_git_dir: Option<bool>,
    /// `build-arg:SOURCE_DATE_EPOCH` is set (non-empty): file times are the commit's.
    pub mtime_commit: bool,
    /// `build-arg:BUILDKIT_GIT_ADVICE`.
    pub advice: bool,
}

impl GitContextOptions {
    pub fn from_opts(opts: &FrontendOpts, advice: bool) -> GitContextOptions {
        GitContextOptions {
            keep_git_dir: opts
                .get("build-arg:BUILDKIT_CONTEXT_KEEP_GIT_DIR")
                .and_then(parse_bool),
            mtime_commit: opts
                .get("build-arg:SOURCE_DATE_EPOCH")
                .is_some_and(|v| !v.is_empty()),
            advice,
        }
    }
}

/// `DetectGitContext`: `None` when `url` is not a git reference (every form `ParseGitRef`
/// takes, `github.com/…` included), an error when it is one whose query is wrong.
pub fn git_context(url: &str, options: GitContextOptions) -> Option<Result<llb::Output, String>> {
    let git = match parse_git_ref(url) {
        Ok(git) => git,
        Err(GitRefError::NotGit(_)) => return None,
        Err(GitRefError::Invalid(e)) => return Some(Err(e)),
    };
    // The options in the reference's order: a later `mtime` query replaces the build's
    // `commit`.
    let mut source = llb::Source::git(git.remote.clone(), "");
    if options.mtime_commit {
        source = source.mtime_commit();
    }
    if options.advice {
        source = source.advice(true);
    }
    source = source
        .git_ref(git.git_ref.clone())
        .custom_name(format!("[internal] load git source {url}"));
    if git.keep_git_dir == Some(true) || options.keep_git_dir == Some(true) {
        source = source.keep_git_dir();
    }
    if !git.subdir.is_empty() {
        source = source.subdir(git.subdir.clone());
    }
    if !git.checksum.is_empty() {
        source = source.checksum(git.checksum.clone());
    }
    if git.submodules == Some(false) {
        source = source.skip_submodules();
    }
    if !git.mtime.is_empty() {
        source = source.mtime(git.mtime.clone());
    }
    if git.fetch_by_commit {
        source = source.fetch_by_commit();
    }
    Some(Ok(source.build()))
}

/// `DetectHTTPContext`: an `http://` or `https://` URL (that is not a git repository), to be
/// downloaded as `context`.
pub fn http_context(url: &str) -> Option<llb::Output> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return None;
    }
    Some(
        llb::Source::http(url)
            .http_filename(HTTP_CONTEXT_FILENAME)
            .custom_name("[internal] load remote build context")
            .build(),
    )
}

/// An HTTP context that is an archive: unpacked into an empty filesystem.
pub fn unpacked_http_context(download: &llb::Output) -> llb::Output {
    let copy = llb::Copy::new(download.clone(), format!("/{HTTP_CONTEXT_FILENAME}"), "/")
        .attempt_unpack(true);
    llb::FileOp::new(None)
        .copy(copy)
        .build()
        .expect("a copy into scratch is a valid file op")
}

/// `scopeToSubDir`: the contents of `dir` of the context, as the context.
pub fn scope_to_subdir(context: Option<llb::Output>, dir: &str) -> llb::Output {
    let copy = llb::Copy::new(context, dir, "/").dir_contents_only(true);
    llb::FileOp::new(None)
        .copy(copy)
        .build()
        .expect("a copy into scratch is a valid file op")
}

/// `archiveutil.IsArchive` on the first bytes of a download: bzip2, gzip, xz or zstd magic
/// (zstd's skippable frames too), or a first tar header archive/tar reads.
pub fn is_archive(header: &[u8]) -> bool {
    const BZIP2: &[u8] = b"BZh";
    const GZIP: &[u8] = &[0x1f, 0x8b, 0x08];
    const XZ: &[u8] = &[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
    const ZSTD: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];
    if [BZIP2, GZIP, XZ, ZSTD]
        .iter()
        .any(|m| header.starts_with(m))
    {
        return true;
    }
    if header.len() >= 8 {
        let magic = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
        if magic & 0xFFFF_FFF0 == 0x184D_2A50 {
            return true;
        }
    }
    super::epoch::starts_with_tar_entry(header)
}

/// `initContext`: what the options and inputs make the context. An HTTP context is downloaded
/// here (its first 1024 bytes tell an archive from a Dockerfile), as in the reference.
pub(crate) async fn init(
    bridge: &Bridge,
    opts: &FrontendOpts,
    git_advice: bool,
    inputs: &BTreeMap<String, pb::Definition>,
) -> Result<MainContext, FrontendError> {
    let key = opts.get("contextkey").unwrap_or("context");
    let value = opts.get(key).unwrap_or("");
    let mut main = MainContext::default();
    let git_options = GitContextOptions::from_opts(opts, git_advice);
    if let Some(git) = git_context(value, git_options) {
        let git = git.map_err(FrontendError::Convert)?;
        main.dockerfile = Some(llb::Definition::marshal(&git).into_pb());
        main.context = Some(Some(git));
    } else if let Some(download) = http_context(value) {
        let definition = llb::Definition::marshal(&download).into_pb();
        let ref_id = bridge
            .solve(definition, Vec::new())
            .await
            .map_err(|source| FrontendError::MainContext {
                what: "failed to resolve httpcontext",
                source,
            })?;
        let header = bridge
            .read_file_head(&ref_id, HTTP_CONTEXT_FILENAME, 1024)
            .await
            .map_err(|source| FrontendError::MainContext {
                what: "failed to read downloaded context",
                source,
            })?;
        let context = if is_archive(&header) {
            unpacked_http_context(&download)
        } else {
            main.filename = Some(HTTP_CONTEXT_FILENAME.to_string());
            download
        };
        main.dockerfile = Some(llb::Definition::marshal(&context).into_pb());
        main.context = Some(Some(context));
    } else if !inputs.is_empty() {
        // The Go client makes every input a state before any is used, so one that is not a
        // definition fails the build even when unused.
        let mut context = None;
        for (name, definition) in inputs {
            let imported = llb::import(definition).map_err(|e| {
                FrontendError::Convert(format!("failed to get frontend inputs: {e}"))
            })?;
            if name == "context" {
                context = Some(imported);
            }
        }
        main.context = context;
    }
    if let Some(dir) = opts.get("contextsubdir") {
        if let Some(context) = main.context.take() {
            main.context = Some(Some(scope_to_subdir(context, dir)));
        }
    }
    Ok(main)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_downloads_are_archives_by_their_magic() {
        assert!(is_archive(&[0x1f, 0x8b, 0x08, 0]));
        assert!(is_archive(b"BZh91AY&SY"));
        assert!(is_archive(&[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1]));
        assert!(is_archive(&[0x28, 0xb5, 0x2f, 0xfd]));
        // zstd skippable frames 0x184D2A50..=0x184D2A5F, little-endian, 8 bytes at least.
        assert!(is_archive(&[0x5f, 0x2a, 0x4d, 0x18, 0, 0, 0, 0]));
        assert!(!is_archive(&[0x5f, 0x2a, 0x4d, 0x18, 0, 0, 0]));
        assert!(!is_archive(&[0x40, 0x2a, 0x4d, 0x18, 0, 0, 0, 0]));
        assert!(!is_archive(&[0x1f, 0x8b]));
        assert!(!is_archive(b"FROM busybox\n"));
        assert!(!is_archive(b""));
    }

    #[test]
    fn only_git_and_http_urls_are_remote_contexts() {
        let options = GitContextOptions::default();
        assert!(git_context("", options).is_none());
        assert!(git_context("./dir", options).is_none());
        assert!(git_context("https://example.com/ctx.tar", options).is_none());
        assert!(http_context("https://example.com/ctx.tar").is_some());
        assert!(http_context("ftp://example.com/ctx.tar").is_none());
        assert!(matches!(
            git_context("https://h/repo.git?foo=bar", options),
            Some(Err(_))
        ));
        assert!(matches!(
            git_context("github.com/moby/buildkit", options),
            Some(Ok(_))
        ));
    }

    #[test]
    fn git_context_build_args_are_read_as_dockerui_reads_them() {
        let opts = FrontendOpts::from_pairs(&[
            ("build-arg:BUILDKIT_CONTEXT_KEEP_GIT_DIR", "yes"),
            ("build-arg:SOURCE_DATE_EPOCH", ""),
        ]);
        let read = GitContextOptions::from_opts(&opts, true);
        assert_eq!(read.keep_git_dir, None, "not a Go bool: ignored");
        assert!(!read.mtime_commit && read.advice);
        let opts = FrontendOpts::from_pairs(&[
            ("build-arg:BUILDKIT_CONTEXT_KEEP_GIT_DIR", "T"),
            ("build-arg:SOURCE_DATE_EPOCH", "context"),
        ]);
        let read = GitContextOptions::from_opts(&opts, false);
        assert_eq!(read.keep_git_dir, Some(true));
        assert!(read.mtime_commit);
    }
}
