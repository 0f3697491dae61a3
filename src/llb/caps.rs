//! The LLB capabilities a daemon can report (solver/pb/caps.go). The converter decides some
//! ops by cap, as the reference does; offline conversions assume a current daemon.

/// The LLB cap IDs of BuildKit v0.34.2 (solver/pb/caps.go), sorted, so that a cap is found by
/// binary search and a set of them is one bit each.
const CAPS: &[&str] = &[
    "cache.azblob",
    "cache.gha",
    "cache.s3",
    "constraints",
    "diffop",
    "exec.cgroup",
    "exec.meta.base",
    "exec.meta.cdi",
    "exec.meta.cgroup.parent",
    "exec.meta.linux.resources",
    "exec.meta.network",
    "exec.meta.network.proxy",
    "exec.meta.proxyenv",
    "exec.meta.removemountstubs.recursive",
    "exec.meta.security",
    "exec.meta.security.devices.v1",
    "exec.meta.setsdefaultpath",
    "exec.meta.ulimit",
    "exec.mount.bind",
    "exec.mount.bind.readwrite-nooutput",
    "exec.mount.cache",
    "exec.mount.cache.content",
    "exec.mount.cache.sharing",
    "exec.mount.secret",
    "exec.mount.selector",
    "exec.mount.ssh",
    "exec.mount.tmpfs",
    "exec.mount.tmpfs.size",
    "exec.secretenv",
    "exec.validexitcode",
    "exporter.image.annotations",
    "exporter.image.attestations",
    "exporter.multiple",
    "exporter.session",
    "exporter.sourcedateepoch",
    "file.base",
    "file.copy.alwaysreplaceexistingdestpaths",
    "file.copy.includeexcludepatterns",
    "file.copy.modestring",
    "file.copy.requiredpaths",
    "file.rm.nofollowsymlink",
    "file.rm.wildcard",
    "file.symlink.create",
    "gc.freespacefilter",
    "history.filter",
    "mergeop",
    "meta.description",
    "meta.exportcache",
    "meta.ignorecache",
    "passthroughop",
    "platform",
    "soruce.http.uidgid",
    "source.buildop.llbfilename",
    "source.git",
    "source.git.bundle",
    "source.git.checkoutbundle",
    "source.git.checksum",
    "source.git.fetchbycommit",
    "source.git.fullurl",
    "source.git.httpauth",
    "source.git.keepgitdir",
    "source.git.knownsshhosts",
    "source.git.mountsshsock",
    "source.git.mtime",
    "source.git.signatureverify",
    "source.git.skipsubmodules",
    "source.git.subdir",
    "source.http",
    "source.http.auth",
    "source.http.checksum",
    "source.http.header",
    "source.http.perm",
    "source.http.signatureverify",
    "source.image",
    "source.image.checksum",
    "source.image.layerlimit",
    "source.image.resolvemode",
    "source.imageblob",
    "source.local",
    "source.local.differ",
    "source.local.excludepatterns",
    "source.local.followpaths",
    "source.local.includepatterns",
    "source.local.metadatatransfer",
    "source.local.sessionid",
    "source.local.sharedkeyhint",
    "source.local.unique",
    "source.ocilayout",
    "source.policy",
    "source.policy.session",
];

/// The LLB caps a daemon reported (Ping), one bit for each cap of [`CAPS`]. A cap this crate
/// does not know decides nothing, so it is not kept. `Copy`: one daemon's set serves every
/// conversion of a build, and building it allocates nothing.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct CapSet(u128);

impl CapSet {
    /// Every cap: a daemon known to be current (offline conversions, tests).
    pub fn all() -> CapSet {
        CapSet(u128::MAX >> (128 - CAPS.len()))
    }

    pub fn contains(self, cap: &str) -> bool {
        index(cap).is_some_and(|i| self.0 & (1 << i) != 0)
    }

    /// Adds `cap`; false when this crate does not know it (it is not kept).
    pub fn insert(&mut self, cap: &str) -> bool {
        let Some(i) = index(cap) else {
            return false;
        };
        self.0 |= 1 << i;
        true
    }

    pub fn remove(&mut self, cap: &str) {
        if let Some(i) = index(cap) {
            self.0 &= !(1 << i);
        }
    }

    /// The caps in the set, sorted.
    pub fn iter(self) -> impl Iterator<Item = &'static str> {
        CAPS.iter()
            .enumerate()
            .filter(move |(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, cap)| *cap)
    }
}

impl<S: AsRef<str>> FromIterator<S> for CapSet {
    fn from_iter<I: IntoIterator<Item = S>>(caps: I) -> CapSet {
        let mut set = CapSet::default();
        for cap in caps {
            set.insert(cap.as_ref());
        }
        set
    }
}

impl std::fmt::Debug for CapSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

fn index(cap: &str) -> Option<usize> {
    CAPS.binary_search(&cap).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_without_repeats_and_fits_the_bits() {
        assert!(CAPS.windows(2).all(|w| w[0] < w[1]));
        assert!(CAPS.len() <= 128);
    }

    #[test]
    fn a_set_keeps_the_caps_this_crate_knows() {
        let mut set: CapSet = ["exec.mount.cache", "no.such.cap", "mergeop"]
            .into_iter()
            .collect();
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            ["exec.mount.cache", "mergeop"]
        );
        assert!(set.contains("mergeop") && !set.contains("no.such.cap") && !set.contains("diffop"));
        set.remove("mergeop");
        assert!(!set.contains("mergeop"));
        assert!(!set.insert("no.such.cap"));
        assert_eq!(CapSet::all().iter().count(), CAPS.len());
        assert!(CAPS.iter().all(|cap| CapSet::all().contains(cap)));
    }
}
