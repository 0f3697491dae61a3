// convert-check converts a Dockerfile with the reference frontend's own converter
// (moby/buildkit frontend/dockerfile/dockerfile2llb, the pin in scripts/versions.env), so the Rust converter's output can
// be compared with it op by op.
//
// Usage: convert-check <request.json>
// request.json: {"dockerfile": "...", "target": "", "buildArgs": {}, "sessionID": "...", "targetPlatform": "",
//
//	"multiPlatform": false, "linuxResources": null, "disabledCaps": [], "dockerignore": null, "gitAdvice": false,
//
//	"images": {"docker.io/library/alpine:3.20": {"digest": "sha256:...", "config": "<json>"}}}
//
// linuxResources is dockerui's resolved form of the resource options (pb.LinuxResources with its
// JSON field names); disabledCaps are LLB caps the daemon is taken not to have.
//
// Prints {"definition": <base64 pb.Definition>, "config": <base64 image config JSON>,
// "baseConfig": <base64 base image config JSON, or null>, "sbom": {<extra name>: <base64
// pb.Definition of that state>}, "warnings": [{"rule": "...", "message": "...", "lines":
// [[start, end], ...]}]}: the build checks the converter reported through ConvertOpt.Warn, in
// order. When the conversion fails, stdout has only the warnings and stderr "convert: <error>".
// The build context is `local://context` with the session, shared key hint and the follow
// paths the converter computes (found by a first conversion), as dockerui.Client.MainContext
// makes it for a real build. With "dockerignore" (the text of the context's .dockerignore,
// possibly empty) the converter is given a dockerui.Client instead, over a gateway client that
// serves that file: the Client reads it as in a build (ignorefile.ReadAll), the converter
// builds its ignore matcher from it (CopyIgnoredFile), and the Client makes the context source
// itself, with the patterns as local.excludepatterns. All LLB caps of the pinned release but
// disabledCaps are enabled, as on a current daemon. With "mainContext" ({"url": ..., "archive":
// bool, "keepGitDir": bool or null, "subdir": string or null}) the context is the one dockerui's
// initContext makes for that `context` option (DetectGitContext, DetectHTTPContext and the
// unpacking copy when the download is an archive, scopeToSubDir for `contextsubdir`).
//
// With "subrequest" it answers that subrequest instead, as builder/build.go does
// ("frontend.outline": Dockerfile2Outline, then Outline.ToResult; "frontend.lint":
// DockerfileLint with the Dockerfile read as dockerui reads it, then LintResults.ToResult;
// "frontend.convertllb": DockerfileConvertLLB, then Result.ToResult; "frontend.targets":
// ListTargets, then List.ToResult; "frontend.subrequests.describe": dockerui's describe of
// the handlers the builder gives):
// {"result": {"result.json": <base64>, "result.txt": <base64>, "version": <base64>},
// "warnings": [...]}.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	gwpb "github.com/moby/buildkit/frontend/gateway/pb"
	"github.com/moby/buildkit/frontend/subrequests"
	"github.com/moby/buildkit/frontend/subrequests/convertllb"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/frontend/subrequests/outline"
	"github.com/moby/buildkit/frontend/subrequests/targets"
	"github.com/moby/buildkit/solver/pb"
	apicapspb "github.com/moby/buildkit/util/apicaps/pb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	fstypes "github.com/tonistiigi/fsutil/types"
	"google.golang.org/protobuf/proto"
)

type image struct {
	Digest string `json:"digest"`
	Config string `json:"config"`
}

type request struct {
	Dockerfile string             `json:"dockerfile"`
	Target     string             `json:"target"`
	BuildArgs  map[string]string  `json:"buildArgs"`
	SessionID  string             `json:"sessionID"`
	Platform   string             `json:"targetPlatform"`
	Multi      bool               `json:"multiPlatform"`
	Resources  *pb.LinuxResources `json:"linuxResources"`
	NoCaps     []string           `json:"disabledCaps"`
	Ulimits    []*pb.Ulimit       `json:"ulimits"`
	Cgroup     string             `json:"cgroupParent"`
	GitAdvice  bool               `json:"gitAdvice"`
	Images     map[string]image   `json:"images"`
	// The context's .dockerignore; nil: no dockerui.Client (and so no ignore matcher).
	Dockerignore *string `json:"dockerignore"`
	// Frontend options the dockerui.Client reads (context:NAME, sharedkey:localdir:NAME,
	// input-metadata:NAME); any given means a Client, as with dockerignore.
	Opts map[string]string `json:"opts"`
	// The .dockerignore of other client directories (local named contexts), by local name.
	Dockerignores map[string]string `json:"dockerignores"`
	// Frontend inputs: base64 pb.Definition by name.
	Inputs map[string][]byte `json:"inputs"`
	// A subrequest to answer instead of converting: "frontend.outline", "frontend.lint",
	// "frontend.convertllb", "frontend.targets" or "frontend.subrequests.describe".
	Subrequest string `json:"subrequest"`
	// A main context that is not the local one, made as dockerui's initContext makes it.
	MainContext *mainContextRequest `json:"mainContext"`
}

// mainContextRequest is the `context` option of a build: a git URL, or an http(s) URL whose
// download is an archive ("archive": true) or the Dockerfile itself; with the
// BUILDKIT_CONTEXT_KEEP_GIT_DIR build arg as given and, when SubDir is set, `contextsubdir`.
type mainContextRequest struct {
	URL        string  `json:"url"`
	Archive    bool    `json:"archive"`
	KeepGitDir *bool   `json:"keepGitDir"`
	SubDir     *string `json:"subdir"`
}

// initContext is dockerui's initContext for req's main context, without the download: the
// request says whether the download is an archive.
func initContext(req request) (*llb.State, error) {
	mc := req.MainContext
	var extra []llb.GitOption
	if req.BuildArgs["SOURCE_DATE_EPOCH"] != "" {
		extra = append(extra, llb.GitMTimeCommit())
	}
	if req.GitAdvice {
		extra = append(extra, llb.GitAdvice(true))
	}
	var ctx *llb.State
	if st, ok, err := dockerui.DetectGitContext(mc.URL, mc.KeepGitDir, extra...); ok {
		if err != nil {
			return nil, err
		}
		ctx = st
	} else if st, filename, ok := dockerui.DetectHTTPContext(mc.URL); ok {
		ctx = st
		if mc.Archive {
			unpacked := llb.Scratch().File(llb.Copy(*st, filepath.Join("/", filename), "/", &llb.CopyInfo{
				AttemptUnpack: true,
			}))
			ctx = &unpacked
		}
	} else {
		return nil, fmt.Errorf("not a git or http context: %s", mc.URL)
	}
	if mc.SubDir != nil {
		scoped := llb.Scratch().File(llb.Copy(*ctx, *mc.SubDir, "/", &llb.CopyInfo{
			CopyDirContentsOnly: true,
		}))
		ctx = &scoped
	}
	return ctx, nil
}

type resolver struct{ images map[string]image }

func (r resolver) ResolveImageConfig(ctx context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	img, ok := r.images[ref]
	if !ok {
		return "", "", nil, fmt.Errorf("no image %s in the table", ref)
	}
	return ref, digest.Digest(img.Digest), []byte(img.Config), nil
}

// gateway is the part of a frontend's gateway client a dockerui.Client uses here: build options
// with every LLB cap and the session, and solves that all give the context, whose only file
// is the .dockerignore.
type gateway struct {
	resolver
	sessionID    string
	dockerignore []byte
	opts         map[string]string
	ignores      map[string]string
	inputs       map[string][]byte
}

func (g gateway) BuildOpts() client.BuildOpts {
	opts := map[string]string{}
	maps.Copy(opts, g.opts)
	return client.BuildOpts{
		Opts:      opts,
		SessionID: g.sessionID,
		Workers:   []client.WorkerInfo{{Platforms: []ocispecs.Platform{{OS: "linux", Architecture: "amd64"}}}},
		LLBCaps:   pb.Caps.CapSet(pb.Caps.All()),
		// No frontend inputs: the context is the local one.
		Caps: gwpb.Caps.CapSet(nil),
	}
}

// Solve answers the reads of a .dockerignore: the main context's, or a named local's.
func (g gateway) Solve(ctx context.Context, req client.SolveRequest) (*client.Result, error) {
	ignore := g.dockerignore
	for _, dt := range req.Definition.GetDef() {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			continue
		}
		if src := op.GetSource(); src != nil && src.Identifier != "local://context" {
			if v, ok := g.ignores[strings.TrimPrefix(src.Identifier, "local://")]; ok {
				ignore = []byte(v)
			} else {
				ignore = nil
			}
		}
	}
	res := client.NewResult()
	res.SetRef(contextRef{ignore})
	return res, nil
}

func (g gateway) ResolveSourceMetadata(ctx context.Context, op *pb.SourceOp, opt sourceresolver.Opt) (*sourceresolver.MetaResponse, error) {
	return nil, fmt.Errorf("no source metadata for %s", op.Identifier)
}

func (g gateway) Inputs(ctx context.Context) (map[string]llb.State, error) {
	out := map[string]llb.State{}
	for name, dt := range g.inputs {
		var def pb.Definition
		if err := def.UnmarshalVT(dt); err != nil {
			return nil, err
		}
		op, err := llb.NewDefinitionOp(&def)
		if err != nil {
			return nil, err
		}
		out[name] = llb.NewState(op)
	}
	return out, nil
}

func (g gateway) NewContainer(ctx context.Context, req client.NewContainerRequest) (client.Container, error) {
	return nil, fmt.Errorf("no containers")
}

func (g gateway) Warn(ctx context.Context, dgst digest.Digest, msg string, opts client.WarnOpts) error {
	return nil
}

type contextRef struct{ dockerignore []byte }

func (r contextRef) ToState() (llb.State, error) { return llb.Scratch(), nil }

func (r contextRef) Evaluate(ctx context.Context) error { return nil }

func (r contextRef) ReadFile(ctx context.Context, req client.ReadRequest) ([]byte, error) {
	if req.Filename != ".dockerignore" {
		return nil, fmt.Errorf("no file %s", req.Filename)
	}
	return r.dockerignore, nil
}

func (r contextRef) StatFile(ctx context.Context, req client.StatRequest) (*fstypes.Stat, error) {
	if req.Path != ".dockerignore" {
		return nil, fmt.Errorf("no file %s", req.Path)
	}
	return &fstypes.Stat{Path: req.Path, Size: int64(len(r.dockerignore))}, nil
}

func (r contextRef) ReadDir(ctx context.Context, req client.ReadDirRequest) ([]*fstypes.Stat, error) {
	return nil, nil
}

// warning is one build check the converter reported.
type warning struct {
	Rule    string   `json:"rule"`
	Message string   `json:"message"`
	Lines   [][2]int `json:"lines"`
}

type converted struct {
	def        *pb.Definition
	config     []byte
	baseConfig []byte
	sbomExtras map[string][]byte
}

// convertOpt is the ConvertOpt of a build of req with mainContext as the context (nil: the
// converter's own), whose build checks are appended to warnings.
func convertOpt(req request, mainContext *llb.State, warnings *[]warning) (dockerfile2llb.ConvertOpt, error) {
	var enabled []*apicapspb.APICap
	for _, c := range pb.Caps.All() {
		if !slices.Contains(req.NoCaps, c.ID) {
			enabled = append(enabled, c)
		}
	}
	caps := pb.Caps.CapSet(enabled)
	dt := []byte(req.Dockerfile)
	opt := dockerfile2llb.ConvertOpt{
		Config: dockerui.Config{
			Target: req.Target,
			// Cloned per conversion, as builder/build.go does per platform: the converter
			// rewrites SOURCE_DATE_EPOCH in it.
			BuildArgs:      maps.Clone(req.BuildArgs),
			BuildPlatforms: []ocispecs.Platform{{OS: "linux", Architecture: "amd64"}},
			LinuxResources: req.Resources,
			Ulimits:        req.Ulimits,
			CgroupParent:   req.Cgroup,
			GitAdvice:      req.GitAdvice,
		},
		MainContext:  mainContext,
		MetaResolver: resolver{req.Images},
		LLBCaps:      &caps,
		SourceMap:    llb.NewSourceMap(nil, "Dockerfile", "Dockerfile", dt),
		Warn: func(rule, description, url, message string, location []parser.Range) {
			w := warning{Rule: rule, Message: message, Lines: [][2]int{}}
			for _, r := range location {
				w.Lines = append(w.Lines, [2]int{r.Start.Line, r.End.Line})
			}
			*warnings = append(*warnings, w)
		},
	}
	if req.Dockerignore != nil || len(req.Opts) > 0 {
		var ignore []byte
		if req.Dockerignore != nil {
			ignore = []byte(*req.Dockerignore)
		}
		opts := maps.Clone(req.Opts)
		if req.GitAdvice {
			// What the client sends that makes both Config.GitAdvice and the Client's.
			if opts == nil {
				opts = map[string]string{}
			}
			opts["build-arg:BUILDKIT_GIT_ADVICE"] = "true"
		}
		c, err := dockerui.NewClient(gateway{resolver{req.Images}, req.SessionID, ignore, opts, req.Dockerignores, req.Inputs})
		if err != nil {
			return opt, err
		}
		opt.Client = c
	}
	opt.MultiPlatformRequested = req.Multi
	if req.Platform != "" {
		p, err := platforms.Parse(req.Platform)
		if err != nil {
			return opt, err
		}
		p = platforms.Normalize(p)
		opt.TargetPlatform = &p
	}
	return opt, nil
}

func convert(req request, mainContext *llb.State, warnings *[]warning) (*converted, error) {
	opt, err := convertOpt(req, mainContext, warnings)
	if err != nil {
		return nil, err
	}
	res, err := dockerfile2llb.Dockerfile2LLB(context.Background(), []byte(req.Dockerfile), opt)
	if err != nil {
		return nil, err
	}
	st, img, baseImg, sbom := res.State, res.Image, res.BaseImage, res.SBOM
	def, err := st.Marshal(context.Background(), llb.LocalUniqueID("oracle"))
	if err != nil {
		return nil, err
	}
	config, err := json.Marshal(img)
	if err != nil {
		return nil, err
	}
	out := &converted{def: def.ToPB(), config: config, sbomExtras: map[string][]byte{}}
	if baseImg != nil {
		if out.baseConfig, err = json.Marshal(baseImg); err != nil {
			return nil, err
		}
	}
	for name, extra := range sbom.Extras {
		d, err := extra.Marshal(context.Background(), llb.LocalUniqueID("oracle"))
		if err != nil {
			return nil, err
		}
		if out.sbomExtras[name], err = (proto.MarshalOptions{Deterministic: true}).Marshal(d.ToPB()); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// mainContextOf is the context a build gives the converter: the main context of the request
// when it is not the local one (initContext); otherwise, without a .dockerignore or
// options, a local with the session and the paths a first conversion follows, as the
// gateway's context source is; otherwise nil (the converter's own, made by the Client).
func mainContextOf(req request, warnings *[]warning) (*llb.State, error) {
	if req.MainContext != nil {
		return initContext(req)
	}
	if req.Dockerignore != nil || len(req.Opts) != 0 {
		return nil, nil
	}
	first, err := convert(req, nil, warnings)
	if err != nil {
		return nil, err
	}
	opts := []llb.LocalOption{
		llb.SessionID(req.SessionID),
		llb.SharedKeyHint("context"),
		dockerui.WithInternalName("load build context"),
	}
	if paths := followPaths(first.def); len(paths) > 0 {
		opts = append(opts, llb.FollowPaths(paths))
	}
	st := llb.Local("context", opts...)
	return &st, nil
}

// subrequest answers req.Subrequest as builder/build.go and dockerui's HandleSubrequest do,
// with the metadata of the result.
func subrequest(req request, warnings *[]warning) (map[string][]byte, error) {
	switch req.Subrequest {
	case outline.RequestSubrequestsOutline:
		// The converter's own context, no target platform (builder/build.go sets none).
		opt, err := convertOpt(req, nil, warnings)
		if err != nil {
			return nil, err
		}
		o, err := dockerfile2llb.Dockerfile2Outline(context.Background(), []byte(req.Dockerfile), opt)
		if err != nil {
			return nil, err
		}
		res, err := o.ToResult()
		if err != nil {
			return nil, err
		}
		return res.Metadata, nil
	case lint.RequestLint:
		opt, err := convertOpt(req, nil, warnings)
		if err != nil {
			return nil, err
		}
		// The source map of the Dockerfile as dockerui's ReadEntrypoint reads it, with the
		// definition of that read, which the result lists as its source.
		dt := []byte(req.Dockerfile)
		src := llb.Local("dockerfile",
			llb.FollowPaths([]string{"Dockerfile", "Dockerfile.dockerignore", "dockerfile"}),
			llb.SessionID(req.SessionID),
			llb.SharedKeyHint("dockerfile"),
			dockerui.WithInternalName("load build definition from Dockerfile"),
			llb.Differ(llb.DiffNone, false),
		)
		def, err := src.Marshal(context.Background())
		if err != nil {
			return nil, err
		}
		opt.SourceMap = llb.NewSourceMap(&src, "Dockerfile", "Dockerfile", dt)
		opt.SourceMap.Definition = def
		results, err := dockerfile2llb.DockerfileLint(context.Background(), dt, opt)
		if err != nil {
			return nil, err
		}
		res, err := results.ToResult(nil)
		if err != nil {
			return nil, err
		}
		return res.Metadata, nil
	case convertllb.RequestConvertLLB:
		// No target platform, as for the outline; the build's context, whose source the
		// result shows (a conversion that fails fails the same way without it, after the
		// same warnings).
		var first []warning
		mainContext, err := mainContextOf(req, &first)
		if err != nil {
			mainContext = nil
		}
		opt, err := convertOpt(req, mainContext, warnings)
		if err != nil {
			return nil, err
		}
		r, err := dockerfile2llb.DockerfileConvertLLB(context.Background(), []byte(req.Dockerfile), opt)
		if err != nil {
			return nil, err
		}
		res, err := r.ToResult()
		if err != nil {
			return nil, err
		}
		return res.Metadata, nil
	case targets.RequestTargets:
		l, err := dockerfile2llb.ListTargets(context.Background(), []byte(req.Dockerfile))
		if err != nil {
			return nil, err
		}
		res, err := l.ToResult()
		if err != nil {
			return nil, err
		}
		return res.Metadata, nil
	case subrequests.RequestSubrequestsDescribe:
		// dockerui's describe with the handlers builder/build.go gives it.
		all := []subrequests.Request{outline.SubrequestsOutlineDefinition, targets.SubrequestsTargetsDefinition, subrequests.SubrequestsDescribeDefinition}
		dt, err := json.MarshalIndent(all, "", "  ")
		if err != nil {
			return nil, err
		}
		b := bytes.NewBuffer(nil)
		if err := subrequests.PrintDescribe(dt, b); err != nil {
			return nil, err
		}
		return map[string][]byte{"result.json": dt, "result.txt": b.Bytes(), "version": []byte(subrequests.SubrequestsDescribeDefinition.Version)}, nil
	}
	return nil, fmt.Errorf("unknown subrequest %q", req.Subrequest)
}

// followPaths returns the local.followpaths attr of the context source, if any.
func followPaths(def *pb.Definition) []string {
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			continue
		}
		if src := op.GetSource(); src != nil && src.Identifier == "local://context" {
			var paths []string
			if v, ok := src.Attrs[pb.AttrFollowPaths]; ok {
				_ = json.Unmarshal([]byte(v), &paths)
			}
			return paths
		}
	}
	return nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: convert-check <request.json>")
		os.Exit(2)
	}
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var req request
	if err := json.Unmarshal(raw, &req); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	// Only the last conversion's warnings count: it is the one whose output is printed.
	warnings := []warning{}
	failed := func(err error) {
		out, _ := json.Marshal(map[string]any{"warnings": warnings})
		fmt.Println(string(out))
		fmt.Fprintln(os.Stderr, "convert:", err)
		os.Exit(1)
	}
	if req.Subrequest != "" {
		res, err := subrequest(req, &warnings)
		if err != nil {
			failed(err)
		}
		out, _ := json.Marshal(map[string]any{"result": res, "warnings": warnings})
		fmt.Println(string(out))
		return
	}
	// A failed first conversion fails with the warnings it gave.
	mainContext, err := mainContextOf(req, &warnings)
	if err != nil {
		failed(err)
	}
	warnings = []warning{}
	res, err := convert(req, mainContext, &warnings)
	if err != nil {
		failed(err)
	}
	dt, err := proto.MarshalOptions{Deterministic: true}.Marshal(res.def)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, _ := json.Marshal(map[string]any{
		"definition": dt,
		"config":     res.config,
		"baseConfig": res.baseConfig,
		"sbom":       res.sbomExtras,
		"warnings":   warnings,
	})
	fmt.Println(string(out))
}
