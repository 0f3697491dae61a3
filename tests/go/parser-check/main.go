package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

type result struct {
	Input    string   `json:"input"`
	Parsed   bool     `json:"parsed"`
	Dump     string   `json:"dump,omitempty"`
	Accepted bool     `json:"accepted"`
	Error    string   `json:"error,omitempty"`
	Typed    []string `json:"typed,omitempty"`
}

// j is compact JSON without HTML escaping; nil slices print as [].
func j(v any) string {
	switch x := v.(type) {
	case []string:
		if x == nil {
			v = []string{}
		}
	case []instructions.SourceContent:
		if x == nil {
			v = []instructions.SourceContent{}
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	return strings.TrimSuffix(buf.String(), "\n")
}

// typed renders the instructions layer's result as one line per stage/command, in a form
// our test rebuilds from our own types.
func typed(stages []instructions.Stage, meta []instructions.ArgCommand) []string {
	out := []string{}
	argLine := func(c *instructions.ArgCommand) string {
		s := "ARG"
		for _, a := range c.Args {
			v := "<nil>"
			if a.Value != nil {
				v = *a.Value
			}
			s += " " + j([]string{a.Key, v})
		}
		return s
	}
	for i := range meta {
		out = append(out, "META "+argLine(&meta[i]))
	}
	for _, st := range stages {
		out = append(out, "STAGE "+j([]string{st.Name, st.BaseName, st.Platform}))
		for _, c := range st.Commands {
			var s string
			switch c := c.(type) {
			case *instructions.RunCommand:
				files := [][]any{}
				for _, f := range c.Files {
					files = append(files, []any{f.Name, f.Data, f.Chomp})
				}
				used := append([]string{}, c.FlagsUsed...)
				sort.Strings(used)
				s = "RUN " + j(c.CmdLine) + " " + j(c.PrependShell) + " " + j(files) + " " + j([]string{instructions.GetNetwork(c), instructions.GetSecurity(c)}) + " " + j(used)
			case *instructions.CmdCommand:
				s = "CMD " + j(c.CmdLine) + " " + j(c.PrependShell)
			case *instructions.EntrypointCommand:
				s = "ENTRYPOINT " + j(c.CmdLine) + " " + j(c.PrependShell)
			case *instructions.ShellCommand:
				s = "SHELL " + j(c.Shell)
			case *instructions.EnvCommand:
				s = "ENV " + j(c.Env)
			case *instructions.LabelCommand:
				s = "LABEL " + j(c.Labels)
			case *instructions.ArgCommand:
				s = argLine(c)
			case *instructions.WorkdirCommand:
				s = "WORKDIR " + j(c.Path)
			case *instructions.UserCommand:
				s = "USER " + j(c.User)
			case *instructions.ExposeCommand:
				s = "EXPOSE " + j(c.Ports)
			case *instructions.VolumeCommand:
				s = "VOLUME " + j(c.Volumes)
			case *instructions.StopSignalCommand:
				s = "STOPSIGNAL " + j(c.Signal)
			case *instructions.HealthCheckCommand:
				h := c.Health
				s = "HEALTHCHECK " + j(h.Test) + " " + j([]int64{int64(h.Interval), int64(h.Timeout), int64(h.StartPeriod), int64(h.StartInterval), int64(h.Retries)})
			case *instructions.OnbuildCommand:
				s = "ONBUILD " + j(c.Expression)
			case *instructions.MaintainerCommand:
				s = "MAINTAINER " + j(c.Maintainer)
			case *instructions.CopyCommand:
				s = "COPY " + j(c.SourcePaths) + " " + j(c.SourceContents) + " " + j(c.DestPath) + " " + j([]string{c.From, c.Chown, c.Chmod}) + " " + j([]bool{c.Link, c.Parents}) + " " + j(c.ExcludePatterns)
			case *instructions.AddCommand:
				s = "ADD " + j(c.SourcePaths) + " " + j(c.SourceContents) + " " + j(c.DestPath) + " " + j([]string{c.Chown, c.Chmod, c.Checksum}) + " " + j(c.Link) + " " + j([]*bool{c.KeepGitDir, c.Unpack}) + " " + j(c.ExcludePatterns)
			default:
				s = fmt.Sprintf("UNKNOWN %T", c)
			}
			out = append(out, s)
		}
	}
	return out
}

// Reads a JSON array of Dockerfile texts on stdin, writes a JSON array of results.
func main() {
	if len(os.Args) > 1 {
		for _, fn := range os.Args[1:] {
			dt, _ := os.ReadFile(fn)
			res, err := parser.Parse(bytes.NewReader(dt))
			if err != nil {
				fmt.Printf("%s\tERR\t%v\n", fn, err)
				continue
			}
			if _, _, err = instructions.Parse(res.AST, nil); err != nil {
				fmt.Printf("%s\tERR\t%v\n", fn, err)
				continue
			}
			fmt.Printf("%s\tOK\n", fn)
		}
		return
	}
	var inputs []string
	if err := json.NewDecoder(os.Stdin).Decode(&inputs); err != nil {
		panic(err)
	}
	out := []result{}
	for _, in := range inputs {
		r := result{Input: in}
		res, err := parser.Parse(bytes.NewReader([]byte(in)))
		if err != nil {
			r.Error = err.Error()
		} else {
			r.Parsed = true
			r.Dump = res.AST.Dump() + "\n"
			if stages, meta, err := instructions.Parse(res.AST, nil); err != nil {
				r.Error = err.Error()
			} else {
				r.Accepted = true
				r.Typed = typed(stages, meta)
			}
		}
		out = append(out, r)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	enc.SetEscapeHTML(false)
	enc.Encode(out)
}
