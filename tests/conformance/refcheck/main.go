package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

type result struct {
	Input      string `json:"input"`
	Parsed     bool   `json:"parsed"`
	Dump       string `json:"dump,omitempty"`
	Accepted   bool   `json:"accepted"`
	Error      string `json:"error,omitempty"`
}

// refcheck runs the reference Dockerfile parser (BuildKit v0.26.3) for differential tests.
// With file arguments it prints OK/ERR per file; otherwise it reads a JSON array of
// Dockerfile texts on stdin and writes a JSON array of results.
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
			if _, _, err = instructions.Parse(res.AST, nil); err != nil {
				r.Error = err.Error()
			} else {
				r.Accepted = true
			}
		}
		out = append(out, r)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	enc.SetEscapeHTML(false)
	enc.Encode(out)
}
