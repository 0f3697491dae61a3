//! File ops: a chain of filesystem actions (copy, mkdir, mkfile, rm, symlink) on one base.
//!
//! Index space of one file op (solver/llbsolver/ops/file.go; client/llb/fileop.go):
//! `0..N-1` are `Op.inputs`, `N+k` is the result of action `k` of the same op, `-1` is
//! scratch. Action 0 starts from the base; action k>0 from action k-1 (`N+k-1`). Inputs are the
//! base first, then each copy source in action order, without duplicates. Only the last action
//! is exported (output 0). Relative paths are resolved against the op's working directory the
//! way the Go client's `normalizePath` does.

use crate::go::path::{clean_path, llb_normalize_path as normalize_path};
use crate::proto::pb;

use super::exec::input_index;
use super::node::{Node, OpCommon, OpOptions, Output};
use super::LlbError;

/// A user or group for file ownership: by numeric ID, or by name looked up in the base's
/// `/etc/passwd` and `/etc/group`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserRef {
    Id(u32),
    Name(String),
}

impl UserRef {
    /// `root` and numbers are IDs, anything else a name (client/llb/fileop.go `parseUID`).
    pub fn parse(value: &str) -> UserRef {
        if value == "root" {
            return UserRef::Id(0);
        }
        match value.parse::<i32>() {
            Ok(id) => UserRef::Id(id as u32),
            Err(_) => UserRef::Name(value.to_string()),
        }
    }

    fn to_pb(&self, base: i64) -> pb::UserOpt {
        pb::UserOpt {
            user: Some(match self {
                UserRef::Id(id) => pb::user_opt::User::ById(*id),
                UserRef::Name(name) => pb::user_opt::User::ByName(pb::NamedUserOpt {
                    name: name.clone(),
                    input: base,
                }),
            }),
        }
    }
}

/// Owner of created files (`--chown`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Chown {
    pub user: Option<UserRef>,
    pub group: Option<UserRef>,
}

impl Chown {
    /// Parses `user[:group]` like `--chown` (client/llb/fileop.go `WithUser`). Since
    /// BuildKit v0.34 an empty group (`user:`) means no group, as without the colon.
    pub fn parse(spec: &str) -> Chown {
        let (user, group) = match spec.split_once(':') {
            Some((user, group)) => (user, Some(group).filter(|g| !g.is_empty())),
            None => (spec, None),
        };
        Chown {
            user: Some(UserRef::parse(user)),
            group: group.map(UserRef::parse),
        }
    }

    /// Numeric owner.
    pub fn ids(uid: u32, gid: u32) -> Chown {
        Chown {
            user: Some(UserRef::Id(uid)),
            group: Some(UserRef::Id(gid)),
        }
    }

    fn to_pb(&self, base: i64) -> pb::ChownOpt {
        pb::ChownOpt {
            user: self.user.as_ref().map(|u| u.to_pb(base)),
            group: self.group.as_ref().map(|g| g.to_pb(base)),
        }
    }
}

/// Permissions of copied files: a number or a symbolic string such as `u+x`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CopyMode {
    Bits(u32),
    Symbolic(String),
}

/// Where a copy reads from.
#[derive(Clone, Debug)]
pub enum CopySource {
    /// An output of another op (`None`: scratch).
    Output(Option<Output>),
    /// The result of action `k` of the same file op.
    Action(usize),
}

impl From<Output> for CopySource {
    fn from(output: Output) -> CopySource {
        CopySource::Output(Some(output))
    }
}

impl From<Option<Output>> for CopySource {
    fn from(output: Option<Output>) -> CopySource {
        CopySource::Output(output)
    }
}

/// One copy action: `Copy::new(context, "/src", "/app/").create_dest_path(true)`.
#[derive(Clone, Debug)]
pub struct Copy {
    from: CopySource,
    src: String,
    src_cwd: String,
    dest: String,
    owner: Option<Chown>,
    mode: Option<CopyMode>,
    follow_symlinks: bool,
    dir_contents_only: bool,
    attempt_unpack: bool,
    create_dest_path: bool,
    allow_wildcard: bool,
    allow_empty_wildcard: bool,
    timestamp: Option<i64>,
    include_patterns: Vec<String>,
    exclude_patterns: Vec<String>,
    required_paths: Vec<String>,
    always_replace_existing_dest_paths: bool,
}

impl Copy {
    /// Copies `src` of `from` to `dest` of the file op's base. Every flag starts off.
    pub fn new(
        from: impl Into<CopySource>,
        src: impl Into<String>,
        dest: impl Into<String>,
    ) -> Copy {
        Copy {
            from: from.into(),
            src: src.into(),
            src_cwd: "/".to_string(),
            dest: dest.into(),
            owner: None,
            mode: None,
            follow_symlinks: false,
            dir_contents_only: false,
            attempt_unpack: false,
            create_dest_path: false,
            allow_wildcard: false,
            allow_empty_wildcard: false,
            timestamp: None,
            include_patterns: Vec::new(),
            exclude_patterns: Vec::new(),
            required_paths: Vec::new(),
            always_replace_existing_dest_paths: false,
        }
    }

    /// Directory a relative `src` is resolved against (the source's working dir; default `/`).
    pub fn src_cwd(mut self, dir: impl Into<String>) -> Copy {
        self.src_cwd = dir.into();
        self
    }

    /// Owner of the copied files.
    pub fn owner(mut self, owner: Chown) -> Copy {
        self.owner = Some(owner);
        self
    }

    /// Owner of the copied files, if any.
    pub(crate) fn owner_opt(mut self, owner: Option<Chown>) -> Copy {
        self.owner = owner;
        self
    }

    /// Permissions of the copied files (default: keep the source's).
    pub fn mode(mut self, mode: CopyMode) -> Copy {
        self.mode = Some(mode);
        self
    }

    /// Follow a symlink named by `src`.
    pub fn follow_symlinks(mut self, yes: bool) -> Copy {
        self.follow_symlinks = yes;
        self
    }

    /// Copy the contents of a directory, not the directory itself.
    pub fn dir_contents_only(mut self, yes: bool) -> Copy {
        self.dir_contents_only = yes;
        self
    }

    /// Unpack archives like `ADD` does.
    pub fn attempt_unpack(mut self, yes: bool) -> Copy {
        self.attempt_unpack = yes;
        self
    }

    /// Create missing parents of `dest`.
    pub fn create_dest_path(mut self, yes: bool) -> Copy {
        self.create_dest_path = yes;
        self
    }

    /// `src` may contain wildcards.
    pub fn allow_wildcard(mut self, yes: bool) -> Copy {
        self.allow_wildcard = yes;
        self
    }

    /// A wildcard may match nothing.
    pub fn allow_empty_wildcard(mut self, yes: bool) -> Copy {
        self.allow_empty_wildcard = yes;
        self
    }

    /// Modification time of the copied files, in nanoseconds since the Unix epoch.
    pub fn timestamp(mut self, unix_nanos: i64) -> Copy {
        self.timestamp = Some(unix_nanos);
        self
    }

    /// Only copy paths matching these patterns.
    pub fn include_patterns(mut self, patterns: Vec<String>) -> Copy {
        self.include_patterns = patterns;
        self
    }

    /// Skip paths matching these patterns.
    pub fn exclude_patterns(mut self, patterns: Vec<String>) -> Copy {
        self.exclude_patterns = patterns;
        self
    }

    /// Fail unless these paths exist in the source.
    pub fn required_paths(mut self, paths: Vec<String>) -> Copy {
        self.required_paths = paths;
        self
    }

    /// Replace existing destination paths even when types differ.
    pub fn always_replace_existing_dest_paths(mut self, yes: bool) -> Copy {
        self.always_replace_existing_dest_paths = yes;
        self
    }

    fn to_pb(&self, cwd: &str, base: i64) -> pb::FileActionCopy {
        let (mode, mode_str) = match &self.mode {
            None => (-1, String::new()),
            Some(CopyMode::Bits(bits)) => (*bits as i32, String::new()),
            Some(CopyMode::Symbolic(symbolic)) => (0, symbolic.clone()),
        };
        let src = clean_path(&self.src);
        let src = if src.starts_with('/') {
            src
        } else {
            clean_path(&format!("{}/{}", self.src_cwd, src))
        };
        pb::FileActionCopy {
            src,
            dest: normalize_path(cwd, &self.dest, true),
            owner: self.owner.as_ref().map(|o| o.to_pb(base)),
            mode,
            follow_symlink: self.follow_symlinks,
            dir_copy_contents: self.dir_contents_only,
            attempt_unpack_docker_compatibility: self.attempt_unpack,
            create_dest_path: self.create_dest_path,
            allow_wildcard: self.allow_wildcard,
            allow_empty_wildcard: self.allow_empty_wildcard,
            timestamp: self.timestamp.unwrap_or(-1),
            include_patterns: self.include_patterns.clone(),
            exclude_patterns: self.exclude_patterns.clone(),
            always_replace_existing_dest_paths: self.always_replace_existing_dest_paths,
            mode_str,
            required_paths: self.required_paths.clone(),
        }
    }
}

/// Creates a directory.
#[derive(Clone, Debug)]
pub struct Mkdir {
    path: String,
    mode: u32,
    make_parents: bool,
    owner: Option<Chown>,
    timestamp: Option<i64>,
}

impl Mkdir {
    /// `mkdir path` with permission bits `mode` (e.g. `0o755`).
    pub fn new(path: impl Into<String>, mode: u32) -> Mkdir {
        Mkdir {
            path: path.into(),
            mode,
            make_parents: false,
            owner: None,
            timestamp: None,
        }
    }

    /// `mkdir -p`.
    pub fn make_parents(mut self, yes: bool) -> Mkdir {
        self.make_parents = yes;
        self
    }

    /// Owner of the new directory.
    pub fn owner(mut self, owner: Chown) -> Mkdir {
        self.owner = Some(owner);
        self
    }

    /// Owner of the new directory, if any.
    pub(crate) fn owner_opt(mut self, owner: Option<Chown>) -> Mkdir {
        self.owner = owner;
        self
    }

    /// Modification time, in nanoseconds since the Unix epoch.
    pub fn timestamp(mut self, unix_nanos: i64) -> Mkdir {
        self.timestamp = Some(unix_nanos);
        self
    }
}

/// Creates a file with the given contents.
#[derive(Clone, Debug)]
pub struct Mkfile {
    path: String,
    mode: u32,
    data: Vec<u8>,
    owner: Option<Chown>,
    timestamp: Option<i64>,
}

impl Mkfile {
    /// A file at `path` with permission bits `mode` holding `data`.
    pub fn new(path: impl Into<String>, mode: u32, data: impl Into<Vec<u8>>) -> Mkfile {
        Mkfile {
            path: path.into(),
            mode,
            data: data.into(),
            owner: None,
            timestamp: None,
        }
    }

    /// Owner of the new file.
    pub fn owner(mut self, owner: Chown) -> Mkfile {
        self.owner = Some(owner);
        self
    }

    /// Owner of the new file, if any.
    pub(crate) fn owner_opt(mut self, owner: Option<Chown>) -> Mkfile {
        self.owner = owner;
        self
    }

    /// Modification time, in nanoseconds since the Unix epoch.
    pub fn timestamp(mut self, unix_nanos: i64) -> Mkfile {
        self.timestamp = Some(unix_nanos);
        self
    }
}

/// Removes a path.
#[derive(Clone, Debug)]
pub struct Rm {
    path: String,
    allow_not_found: bool,
    allow_wildcard: bool,
}

impl Rm {
    /// `rm -r path`.
    pub fn new(path: impl Into<String>) -> Rm {
        Rm {
            path: path.into(),
            allow_not_found: false,
            allow_wildcard: false,
        }
    }

    /// Succeed when nothing is there.
    pub fn allow_not_found(mut self, yes: bool) -> Rm {
        self.allow_not_found = yes;
        self
    }

    /// `path` may contain wildcards.
    pub fn allow_wildcard(mut self, yes: bool) -> Rm {
        self.allow_wildcard = yes;
        self
    }
}

/// Creates a symbolic link `newpath` pointing to `oldpath`.
#[derive(Clone, Debug)]
pub struct Symlink {
    oldpath: String,
    newpath: String,
    owner: Option<Chown>,
    timestamp: Option<i64>,
}

impl Symlink {
    /// `ln -s oldpath newpath`; paths are written as given.
    pub fn new(oldpath: impl Into<String>, newpath: impl Into<String>) -> Symlink {
        Symlink {
            oldpath: oldpath.into(),
            newpath: newpath.into(),
            owner: None,
            timestamp: None,
        }
    }

    /// Owner of the link.
    pub fn owner(mut self, owner: Chown) -> Symlink {
        self.owner = Some(owner);
        self
    }

    /// Modification time, in nanoseconds since the Unix epoch.
    pub fn timestamp(mut self, unix_nanos: i64) -> Symlink {
        self.timestamp = Some(unix_nanos);
        self
    }
}

#[derive(Clone, Debug)]
enum Action {
    Copy(Copy),
    Mkdir(Mkdir),
    Mkfile(Mkfile),
    Rm(Rm),
    Symlink(Symlink),
}

/// Builder of a file op: `FileOp::new(base).mkdir(..).copy(..).build()?`.
#[derive(Clone, Debug)]
pub struct FileOp {
    base: Option<Output>,
    cwd: String,
    actions: Vec<Action>,
    common: OpCommon,
}

impl OpOptions for FileOp {
    fn common_mut(&mut self) -> &mut OpCommon {
        &mut self.common
    }
}

impl FileOp {
    /// Actions on `base` (`None`: scratch).
    pub fn new(base: impl Into<Option<Output>>) -> FileOp {
        FileOp {
            base: base.into(),
            cwd: "/".to_string(),
            actions: Vec::new(),
            common: OpCommon::default(),
        }
    }

    /// Directory relative destination paths are resolved against (default `/`).
    pub fn cwd(mut self, dir: impl Into<String>) -> FileOp {
        self.cwd = dir.into();
        self
    }

    /// Appends a copy.
    pub fn copy(mut self, copy: Copy) -> FileOp {
        self.actions.push(Action::Copy(copy));
        self
    }

    /// Appends a mkdir.
    pub fn mkdir(mut self, mkdir: Mkdir) -> FileOp {
        self.actions.push(Action::Mkdir(mkdir));
        self
    }

    /// Appends a mkfile.
    pub fn mkfile(mut self, mkfile: Mkfile) -> FileOp {
        self.actions.push(Action::Mkfile(mkfile));
        self
    }

    /// Appends an rm.
    pub fn rm(mut self, rm: Rm) -> FileOp {
        self.actions.push(Action::Rm(rm));
        self
    }

    /// Appends a symlink.
    pub fn symlink(mut self, symlink: Symlink) -> FileOp {
        self.actions.push(Action::Symlink(symlink));
        self
    }

    /// How many actions are queued; the next one will be action number `len()`.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// True before the first action.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// Seals the op; its only output is the result of the last action.
    pub fn build(mut self) -> Result<Output, LlbError> {
        if self.actions.is_empty() {
            return Err(LlbError::FileOpWithoutActions);
        }
        let mut inputs = Vec::new();
        let base = match &self.base {
            Some(base) => input_index(&mut inputs, base),
            None => -1,
        };
        // First pass: the inputs, so N is known before any `N+k` index is written.
        let mut secondary = Vec::with_capacity(self.actions.len());
        for (k, action) in self.actions.iter().enumerate() {
            secondary.push(match action {
                Action::Copy(copy) => match &copy.from {
                    CopySource::Output(Some(output)) => {
                        SecondaryInput::Input(input_index(&mut inputs, output))
                    }
                    CopySource::Output(None) => SecondaryInput::Input(-1),
                    CopySource::Action(j) if *j < k => SecondaryInput::Action(*j),
                    CopySource::Action(j) => {
                        return Err(LlbError::CopyFromLaterAction {
                            action: k,
                            from: *j,
                        })
                    }
                },
                _ => SecondaryInput::Input(-1),
            });
        }
        let n = inputs.len() as i64;
        let last = self.actions.len() - 1;
        let mut actions = Vec::with_capacity(self.actions.len());
        for (k, (action, secondary)) in self.actions.iter().zip(secondary).enumerate() {
            actions.push(pb::FileAction {
                input: if k == 0 { base } else { n + k as i64 - 1 },
                secondary_input: match secondary {
                    SecondaryInput::Input(i) => i,
                    SecondaryInput::Action(j) => n + j as i64,
                },
                output: if k == last { 0 } else { -1 },
                action: Some(action_to_pb(action, &self.cwd, base)),
            });
        }
        // The Go client only ever declares `file.base` for file ops: its per-action caps
        // are collected before the actions are (client/llb/fileop.go `Marshal`).
        self.common.metadata.caps.insert("file.base".to_string());
        let op = pb::Op {
            op: Some(pb::op::Op::File(pb::FileOp { actions })),
            // File ops are not platform specific.
            platform: None,
            ..pb::Op::default()
        };
        // `FileAction.allOutputs`: the base, then each copy's source from the last action back.
        let sources = self.actions.iter().rev().filter_map(|a| match a {
            Action::Copy(copy) => match &copy.from {
                CopySource::Output(Some(output)) => Some(output.clone()),
                _ => None,
            },
            _ => None,
        });
        let reads = Output::distinct(self.base.clone().into_iter().chain(sources));
        Ok(Output::new(Node::seal(op, inputs, reads, self.common), 0))
    }
}

enum SecondaryInput {
    Input(i64),
    Action(usize),
}

fn action_to_pb(action: &Action, cwd: &str, base: i64) -> pb::file_action::Action {
    use pb::file_action::Action as A;
    match action {
        Action::Copy(copy) => A::Copy(copy.to_pb(cwd, base)),
        Action::Mkdir(mkdir) => A::Mkdir(pb::FileActionMkDir {
            path: normalize_path(cwd, &mkdir.path, false),
            mode: (mkdir.mode & 0o777) as i32,
            make_parents: mkdir.make_parents,
            owner: mkdir.owner.as_ref().map(|o| o.to_pb(base)),
            timestamp: mkdir.timestamp.unwrap_or(-1),
        }),
        Action::Mkfile(mkfile) => A::Mkfile(pb::FileActionMkFile {
            path: normalize_path(cwd, &mkfile.path, false),
            mode: (mkfile.mode & 0o777) as i32,
            data: mkfile.data.clone(),
            owner: mkfile.owner.as_ref().map(|o| o.to_pb(base)),
            timestamp: mkfile.timestamp.unwrap_or(-1),
        }),
        Action::Rm(rm) => A::Rm(pb::FileActionRm {
            path: normalize_path(cwd, &rm.path, false),
            allow_not_found: rm.allow_not_found,
            allow_wildcard: rm.allow_wildcard,
        }),
        Action::Symlink(symlink) => A::Symlink(pb::FileActionSymlink {
            oldpath: symlink.oldpath.clone(),
            newpath: symlink.newpath.clone(),
            owner: symlink.owner.as_ref().map(|o| o.to_pb(base)),
            timestamp: symlink.timestamp.unwrap_or(-1),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chown_parses_like_with_user() {
        assert_eq!(
            Chown::parse("root"),
            Chown {
                user: Some(UserRef::Id(0)),
                group: None
            }
        );
        assert_eq!(
            Chown::parse("app:1000"),
            Chown {
                user: Some(UserRef::Name("app".into())),
                group: Some(UserRef::Id(1000))
            }
        );
    }
}
