package main

import (
	"context"
	"io"
	"net"

	"github.com/moby/buildkit/client/llb"
	"google.golang.org/protobuf/proto"
)

// writeReference builds a graph touching every op type, mount kind and map with BuildKit's Go
// client and writes its pb.Definition. tests/llb_go.rs builds the same graph with our builder;
// the digests must agree.
func writeReference(w io.Writer) error {
	ctx := context.Background()
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
	diff := llb.Diff(img, merged, llb.WithCustomName("diff"))

	def, err := diff.Marshal(ctx, llb.LinuxAmd64)
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
