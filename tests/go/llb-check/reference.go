package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"time"

	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"google.golang.org/protobuf/proto"
)

// writeReference writes the pb.Definition of a graph built with BuildKit's Go client.
// tests/llb_support builds the same graphs with our builder; the digests must agree.
func writeReference(name string, w io.Writer) error {
	var head llb.State
	switch name {
	case "all-ops":
		head = allOps()
	case "edge-cases":
		head = edgeCases()
	case "linux-resources":
		head = linuxResources()
	case "git-sources":
		head = gitSources()
	default:
		return fmt.Errorf("unknown reference graph %q", name)
	}
	def, err := head.Marshal(context.Background(), llb.LinuxAmd64)
	if err != nil {
		return err
	}
	dt, err := proto.MarshalOptions{Deterministic: true}.Marshal(def.ToPB())
	if err != nil {
		return err
	}
	_, err = w.Write(dt)
	return err
}

// allOps touches every op type, mount kind and map.
func allOps() llb.State {
	img := llb.Image("alpine:3.20", llb.LinuxAmd64)
	local := llb.Local("context",
		llb.SessionID("session-1"),
		llb.SharedKeyHint("context"),
		llb.ExcludePatterns([]string{"*.md", ".git"}),
		llb.WithCustomName("[internal] load build context"),
	)

	run := img.Run(
		llb.Args([]string{"/bin/sh", "-c", "echo hi > /out/x"}),
		llb.AddEnv("A", "1"),
		llb.AddEnv("EMPTY", ""),
		llb.Dir("/work"),
		llb.User("app"),
		llb.Hostname("builder"),
		llb.AddMount("/ctx", local, llb.Readonly, llb.SourcePath("/sub")),
		llb.AddMount("/root/.cache", llb.Scratch(), llb.AsPersistentCacheDir("go-build", llb.CacheMountLocked)),
		llb.AddMount("/tmp", llb.Scratch(), llb.Tmpfs(llb.TmpfsSize(1<<20))),
		llb.AddSecret("/run/secrets/token", llb.SecretID("token"), llb.SecretOptional),
		llb.AddSecretWithDest("npmrc", nil, llb.SecretAsEnvName("NPM_TOKEN")),
		llb.AddSSHSocket(llb.SSHID("default")),
		llb.Network(llb.NetModeNone),
		llb.Security(llb.SecurityModeInsecure),
		llb.WithProxy(llb.ProxyEnv{HTTPProxy: "http://proxy:3128", NoProxy: "localhost"}),
		llb.AddExtraHost("db", net.ParseIP("10.0.0.2")),
		llb.AddUlimit(llb.UlimitNofile, 1024, 2048),
		llb.ValidExitCodes(0, 1),
		llb.WithCustomName("RUN echo hi > /out/x"),
		llb.WithDescription(map[string]string{"com.docker.dockerfile.v1.command": "RUN echo hi > /out/x", "empty": ""}),
		llb.IgnoreCache,
		llb.ProgressGroup("stage-0", "build", false),
	)
	out := run.AddMount("/out", llb.Scratch())

	files := run.Root().File(
		llb.Mkdir("/app", 0o755, llb.WithParents(true), llb.WithUser("app:staff")).
			Copy(local, "/src", "/app/", &llb.CopyInfo{
				FollowSymlinks:      true,
				CopyDirContentsOnly: true,
				CreateDestPath:      true,
				AllowWildcard:       true,
				AllowEmptyWildcard:  true,
				IncludePatterns:     []string{"*.go"},
				ExcludePatterns:     []string{"vendor"},
				Mode:                &llb.ChmodOpt{ModeStr: "u+x"},
				ChownOpt:            &llb.ChownOpt{User: &llb.UserOpt{UID: 1000}, Group: &llb.UserOpt{UID: 1000}},
			}).
			Copy(out, "/x", "/app/x", &llb.CopyInfo{Mode: &llb.ChmodOpt{Mode: 0o644}, AttemptUnpack: true, AlwaysReplaceExistingDestPaths: true}).
			Mkfile("/app/config", 0o600, []byte("key=value\n")).
			Rm("/app/tmp", llb.WithAllowNotFound(true), llb.WithAllowWildcard(true)).
			Symlink("/app/config", "/etc/app.conf"),
		llb.WithCustomName("COPY src /app/"),
	)

	merged := llb.Merge([]llb.State{img, files, out}, llb.WithCustomName("merge"))
	return llb.Diff(img, merged, llb.WithCustomName("diff"))
}

// edgeCases covers what allOps does not: git and http sources, scratch and read-only roots,
// no-output and content-cache mounts, cache mounts with a source, relative file paths,
// timestamps, CDI devices, shared ops with merged metadata.
func edgeCases() llb.State {
	arm := llb.Platform(ocispecs.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"})
	img := llb.Image("busybox@sha256:0000000000000000000000000000000000000000000000000000000000000000", arm, llb.WithLayerLimit(2), llb.ResolveModeForcePull)
	git := llb.Git("https://github.com/moby/buildkit.git", "v0.26.3:frontend", llb.KeepGitDir(), llb.GitSkipSubmodules())
	http := llb.HTTP("https://example.com/a.tar.gz", llb.Filename("a.tgz"), llb.Chmod(0o640), llb.Chown(1000, 0))

	scratchRun := llb.Scratch().Run(
		llb.Args([]string{"/true"}),
		llb.AddMount("/bin", img, llb.Readonly),
		llb.WithCgroupParent("builds"),
		llb.WithCustomName("scratch root"),
	)
	readonlyRun := img.Run(
		llb.Args([]string{"ls"}),
		llb.ReadonlyRootFS(),
		llb.AddMount("/src", git, llb.ForceNoOutput),
		llb.AddMount("/dl", http, llb.ContentCache(llb.MountContentCacheOn)),
		llb.AddMount("/cache", img, llb.AsPersistentCacheDir("c1", llb.CacheMountShared), llb.SourcePath("/var")),
		llb.AddSecret("/s", llb.SecretID("s"), llb.SecretFileOpt(1, 2, 0o440)),
		llb.AddSSHSocket(llb.SSHID("agent"), llb.SSHSocketOpt("/ssh.sock", 3, 4, 0o660), llb.SSHOptional),
		llb.AddCDIDevice(llb.CDIDeviceName("vendor.com/gpu=all"), llb.CDIDeviceOptional),
	)
	work := scratchRun.AddMount("/work", llb.Scratch())

	ts := time.Unix(1700000000, 42)
	files := work.Dir("/w").File(
		llb.Mkdir("sub/dir", 0o700, llb.WithCreatedTime(ts)).
			Mkfile("sub/f", 0o644, nil, llb.WithCreatedTime(ts)).
			Copy(readonlyRun.GetMount("/dl").Dir("/from"), "rel/*.txt", "to/", &llb.CopyInfo{CreatedTime: &ts, RequiredPaths: []string{"a"}}).
			Copy(img, "/etc/passwd", "./p", &llb.CopyInfo{ChownOpt: &llb.ChownOpt{User: &llb.UserOpt{Name: "nobody"}}}).
			Rm("x").
			Symlink("a", "b", llb.WithCreatedTime(ts)),
		llb.WithCustomName("files"),
	)
	// The same op twice with different metadata: one digest, merged metadata.
	twiceA := files.File(llb.Mkdir("/again", 0o755), llb.WithCustomName("first"), llb.WithExportCache())
	twiceB := files.File(llb.Mkdir("/again", 0o755), llb.IgnoreCache)
	return llb.Merge([]llb.State{twiceA, twiceB, readonlyRun.Root()})
}

// linuxResources covers the CPU/memory limits of exec ops, which live in the metadata only:
// every field set (memswap -1 and the largest uint64 as long varints), some fields through the
// single setters, and one op built twice with different limits (one digest; the later limits win).
func linuxResources() llb.State {
	img := llb.Image("alpine:3.20", llb.LinuxAmd64)
	all := img.Run(
		llb.Args([]string{"make"}),
		llb.WithLinuxResources(llb.LinuxResources{
			Memory:     1 << 30,
			MemorySwap: -1,
			CPUShares:  math.MaxUint64,
			CPUPeriod:  100000,
			CPUQuota:   50000,
			CpusetCpus: "0-3,5",
			CpusetMems: "0",
		}),
		llb.WithCustomName("all"),
	)
	some := all.Root().Run(llb.Args([]string{"true"}), llb.MemoryLimit(1), llb.CpusetMems("1"))
	first := some.Root().Run(llb.Args([]string{"ls"}), llb.CPUShares(2), llb.WithCustomName("first"))
	second := some.Root().Run(llb.Args([]string{"ls"}), llb.CPUQuota(7))
	return llb.Merge([]llb.State{first.Root(), second.Root()})
}

// gitSources covers llb.Git's options and URL forms beyond what the Dockerfile frontend uses:
// chosen auth secrets (the httpauth cap), known hosts and agent socket of ssh remotes, mtime,
// a ref option over the fragment's, a bare host/path (taken as https) and an unparsable URL.
func gitSources() llb.State {
	return llb.Merge([]llb.State{
		llb.Git("https://github.com/moby/buildkit.git", "main:a/../b", llb.AuthTokenSecret("tok"), llb.GitMTimeCommit(), llb.GitRef("v1")),
		llb.Git("git@github.com:moby/buildkit.git", "", llb.KnownSSHHosts("github.com ssh-ed25519 AAAA\n"), llb.KnownSSHHosts("other ssh-rsa BBBB"), llb.MountSSHSock("agent"), llb.AuthHeaderSecret("hdr")),
		llb.Git("ssh://git@github.com:2222/moby/buildkit.git", ":/sub", llb.GitChecksum("abc"), llb.GitFetchByCommit(), llb.GitAdvice(true), llb.WithCustomName("ssh")),
		llb.Git("github.com/moby/buildkit", "v2:", llb.GitSubDir("x/y"), llb.GitSkipSubmodules()),
		llb.Git("https://h:x/repo.git", "v3", llb.KeepGitDir()),
	})
}
