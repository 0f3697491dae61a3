// gateway-check decodes the LLBBridge requests our frontend sends with BuildKit's own Go types,
// the way the daemon does (vtprotobuf's UnmarshalVT, util/grpcutil/encoding/proto), and reports
// what the daemon would trip over: a map entry whose message value decodes as nil (the daemon
// dereferences those), a Return with neither result nor error, an op that does not decode. It
// also decodes each message with protobuf-go and requires both decodings to be equal.
//
// Usage: gateway-check DIR
// Every DIR/<Message>-<case>.pb is checked, <Message> one of the request types below. Prints
// "ok <file>" or "<file>: <problem>" per file and exits 1 if there was any problem.
//
// gateway-check opts < cases.json resolves frontend options as the reference frontend does
// (dockerui.NewClient): cases.json is a JSON array of option maps; it prints a JSON array with,
// per map, {"error": <the error's text>} or {"linuxResources": <the pb.LinuxResources the
// converter is given, deterministically marshaled, or null>}.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/containerd/typeurl/v2"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	gw "github.com/moby/buildkit/frontend/gateway/pb"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
)

type vtMessage interface {
	proto.Message
	UnmarshalVT([]byte) error
}

var messages = map[string]func() vtMessage{
	"PingRequest":               func() vtMessage { return &gw.PingRequest{} },
	"ResolveImageConfigRequest": func() vtMessage { return &gw.ResolveImageConfigRequest{} },
	"ResolveSourceMetaRequest":  func() vtMessage { return &gw.ResolveSourceMetaRequest{} },
	"SolveRequest":              func() vtMessage { return &gw.SolveRequest{} },
	"ReadFileRequest":           func() vtMessage { return &gw.ReadFileRequest{} },
	"InputsRequest":             func() vtMessage { return &gw.InputsRequest{} },
	"WarnRequest":               func() vtMessage { return &gw.WarnRequest{} },
	"ReturnRequest":             func() vtMessage { return &gw.ReturnRequest{} },
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gateway-check DIR | gateway-check opts < cases.json")
		os.Exit(2)
	}
	if os.Args[1] == "opts" {
		if err := resolveOpts(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		return
	}
	files, err := filepath.Glob(filepath.Join(os.Args[1], "*.pb"))
	if err != nil || len(files) == 0 {
		fmt.Fprintln(os.Stderr, "no .pb files in", os.Args[1])
		os.Exit(2)
	}
	sort.Strings(files)
	failed := false
	for _, file := range files {
		problems := checkFile(file)
		name := filepath.Base(file)
		if len(problems) == 0 {
			fmt.Println("ok", name)
			continue
		}
		failed = true
		for _, p := range problems {
			fmt.Printf("%s: %s\n", name, p)
		}
	}
	if failed {
		os.Exit(1)
	}
}

func checkFile(file string) []string {
	kind, _, _ := strings.Cut(filepath.Base(file), "-")
	newMessage, ok := messages[kind]
	if !ok {
		return []string{"unknown message type " + kind}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return []string{err.Error()}
	}
	daemon := newMessage()
	if err := daemon.UnmarshalVT(data); err != nil {
		return []string{"UnmarshalVT: " + err.Error()}
	}
	var problems []string
	reference := newMessage()
	if err := proto.Unmarshal(data, reference); err != nil {
		problems = append(problems, "proto.Unmarshal: "+err.Error())
	}
	walk(kind, daemon.ProtoReflect(), &problems)
	if len(problems) == 0 && !proto.Equal(daemon, reference) {
		problems = append(problems, "UnmarshalVT and proto.Unmarshal disagree")
	}
	switch m := daemon.(type) {
	case *gw.ReturnRequest:
		// llbBridgeForwarder.Return reads in.Result when in.Error is nil.
		if (m.Result == nil) == (m.Error == nil) {
			problems = append(problems, "exactly one of result and error must be set")
		}
		if m.Error != nil && m.Error.Code == 0 {
			problems = append(problems, "an error with code OK reads as success")
		}
		if m.Error != nil {
			checkErrorDetails(m.Error.Details, &problems)
		}
	case *gw.ResolveSourceMetaRequest:
		// llbBridgeForwarder.ResolveSourceMeta dereferences Source; a git source must ask for
		// the commit object, as grpcclient sends it for SOURCE_DATE_EPOCH.
		if m.Source == nil || m.Source.Identifier == "" || m.LogName == "" {
			problems = append(problems, "a source and a log name are required")
		}
		if strings.HasPrefix(m.Source.GetIdentifier(), "git://") != m.Git.GetReturnObject() {
			problems = append(problems, "exactly the git sources ask for the commit object")
		}
		if m.Image != nil || m.HTTP != nil || m.Platform != nil || m.ResolveMode != "" {
			problems = append(problems, "the SOURCE_DATE_EPOCH request sets only Source, LogName and Git")
		}
	case *gw.SolveRequest:
		if m.Definition == nil && m.Frontend == "" {
			problems = append(problems, "neither a definition nor a frontend")
		}
		checkDefinition("SolveRequest.Definition", m.Definition, &problems)
	}
	return problems
}

// checkErrorDetails decodes typed error details as clients do (typeurl, grpcerrors.FromGRPC);
// a Dockerfile source must carry the file and the definition it was read with.
func checkErrorDetails(details []*anypb.Any, problems *[]string) {
	for i, d := range details {
		v, err := typeurl.UnmarshalAny(d)
		if err != nil {
			*problems = append(*problems, fmt.Sprintf("error detail %d (%s): %v", i, d.GetTypeUrl(), err))
			continue
		}
		src, ok := v.(*errdefs.Source)
		if !ok {
			continue
		}
		if src.Info == nil || src.Info.Filename == "" || len(src.Info.Data) == 0 {
			*problems = append(*problems, "error source without file name or data")
			continue
		}
		if src.Info.Definition == nil {
			*problems = append(*problems, "error source without the definition the file was read with")
		}
		if len(src.Ranges) == 0 {
			*problems = append(*problems, "error source without ranges")
		}
		checkDefinition("error source", src.Info.Definition, problems)
	}
}

// checkDefinition decodes every op of def, as the solver does, and walks it.
func checkDefinition(path string, def *pb.Definition, problems *[]string) {
	if def == nil {
		return
	}
	for i, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			*problems = append(*problems, fmt.Sprintf("%s.def[%d]: %v", path, i, err))
			continue
		}
		walk(fmt.Sprintf("%s.def[%d]", path, i), op.ProtoReflect(), problems)
	}
}

// walk reports every map entry in m (recursively) whose message value decoded as nil.
func walk(path string, m protoreflect.Message, problems *[]string) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		at := path + "." + string(fd.Name())
		switch {
		case fd.IsMap():
			if fd.MapValue().Kind() != protoreflect.MessageKind {
				return true
			}
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				entry := fmt.Sprintf("%s[%q]", at, k.String())
				if !mv.Message().IsValid() {
					*problems = append(*problems, entry+" has no value: the daemon sees nil")
				} else {
					walk(entry, mv.Message(), problems)
				}
				return true
			})
		case fd.IsList():
			if fd.Kind() != protoreflect.MessageKind {
				return true
			}
			for i := 0; i < v.List().Len(); i++ {
				walk(fmt.Sprintf("%s[%d]", at, i), v.List().Get(i).Message(), problems)
			}
		case fd.Kind() == protoreflect.MessageKind:
			walk(at, v.Message(), problems)
		}
		return true
	})
}

// optsClient answers only BuildOpts, all dockerui.NewClient asks of its client.
type optsClient struct {
	client.Client
	opts map[string]string
}

func (c optsClient) BuildOpts() client.BuildOpts {
	return client.BuildOpts{Opts: c.opts, LLBCaps: pb.Caps.CapSet(pb.Caps.All())}
}

func resolveOpts() error {
	var cases []map[string]string
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		return err
	}
	out := make([]map[string]any, 0, len(cases))
	for _, opts := range cases {
		c, err := dockerui.NewClient(optsClient{opts: opts})
		if err != nil {
			out = append(out, map[string]any{"error": err.Error()})
			continue
		}
		var res []byte
		if c.LinuxResources != nil {
			if res, err = (proto.MarshalOptions{Deterministic: true}).Marshal(c.LinuxResources); err != nil {
				return err
			}
		}
		ulimits := [][]any{}
		for _, u := range c.Ulimits {
			ulimits = append(ulimits, []any{u.Name, u.Soft, u.Hard})
		}
		out = append(out, map[string]any{"linuxResources": res, "ulimits": ulimits, "cgroupParent": c.CgroupParent, "gitAdvice": c.GitAdvice})
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}
