// bench-convert converts one Dockerfile with the reference converter (dockerfile2llb of the pin
// in scripts/versions.env), for scripts/bench-vs-reference.sh: the same work and the same
// answers as examples/convert-llb.rs on our side. Every base image is answered with one synthetic
// one-layer linux image (same digest and config as ours), the build platform is linux/amd64,
// every LLB cap is enabled, the context is the converter's own local context.
//
// Usage: bench-convert [-repeat N] <Dockerfile> [out.pb]
// Writes the marshalled pb.Definition to out.pb and prints to stderr the first conversion's
// time and the best of N whole conversions (parse, convert, marshal), in ms.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"google.golang.org/protobuf/proto"
)

type resolver struct{}

func (resolver) ResolveImageConfig(ctx context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	p := opt.ImageOpt.Platform
	config := fmt.Sprintf(`{"architecture":"%s","os":"%s","config":{"Env":["PATH=/usr/bin:/bin"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}`,
		p.Architecture, p.OS, strings.Repeat("0", 64))
	return ref, digest.Digest("sha256:" + strings.Repeat("1", 64)), []byte(config), nil
}

// convert converts dt; mainContext nil is the converter's own context.
func convert(path string, dt []byte, mainContext *llb.State) ([]byte, error) {
	caps := pb.Caps.CapSet(pb.Caps.All())
	opt := dockerfile2llb.ConvertOpt{
		Config: dockerui.Config{
			BuildPlatforms: []ocispecs.Platform{{OS: "linux", Architecture: "amd64"}},
		},
		MetaResolver: resolver{},
		MainContext:  mainContext,
		LLBCaps:      &caps,
		SourceMap:    llb.NewSourceMap(nil, path, "Dockerfile", dt),
	}
	res, err := dockerfile2llb.Dockerfile2LLB(context.Background(), dt, opt)
	if err != nil {
		return nil, err
	}
	def, err := res.State.Marshal(context.Background())
	if err != nil {
		return nil, err
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(def.ToPB())
}

// followPaths is the local.followpaths of the context source of a marshalled definition.
func followPaths(dt []byte) []string {
	var def pb.Definition
	if err := proto.Unmarshal(dt, &def); err != nil {
		return nil
	}
	for _, b := range def.Def {
		var op pb.Op
		if err := proto.Unmarshal(b, &op); err != nil {
			continue
		}
		if src := op.GetSource(); src != nil && src.Identifier == "local://context" {
			var paths []string
			_ = json.Unmarshal([]byte(src.Attrs[pb.AttrFollowPaths]), &paths)
			return paths
		}
	}
	return nil
}

func main() {
	repeat := flag.Int("repeat", 1, "conversions to time")
	flag.Parse()
	if flag.NArg() < 1 {
		fmt.Fprintln(os.Stderr, "usage: bench-convert [-repeat N] <Dockerfile> [out.pb]")
		os.Exit(2)
	}
	path := flag.Arg(0)
	dt, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	// The context as our side (and a real build, dockerui.Client.MainContext) makes it: the
	// session, and the paths the stages read, found by a first, untimed conversion.
	first, err := convert(path, dt, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "convert:", err)
		os.Exit(1)
	}
	opts := []llb.LocalOption{
		llb.SessionID("bench-session"),
		llb.SharedKeyHint("context"),
		dockerui.WithInternalName("load build context"),
	}
	if paths := followPaths(first); len(paths) > 0 {
		opts = append(opts, llb.FollowPaths(paths))
	}
	mainContext := llb.Local("context", opts...)
	start := time.Now()
	out, err := convert(path, dt, &mainContext)
	if err != nil {
		fmt.Fprintln(os.Stderr, "convert:", err)
		os.Exit(1)
	}
	elapsed := time.Since(start)
	best := elapsed
	for i := 1; i < *repeat; i++ {
		start := time.Now()
		if _, err := convert(path, dt, &mainContext); err != nil {
			fmt.Fprintln(os.Stderr, "convert:", err)
			os.Exit(1)
		}
		if d := time.Since(start); d < best {
			best = d
		}
	}
	if flag.NArg() > 1 {
		if err := os.WriteFile(flag.Arg(1), out, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	ms := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }
	fmt.Fprintf(os.Stderr, "definition_bytes=%d total_ms=%.1f best_ms=%.2f\n", len(out), ms(elapsed), ms(best))
}
