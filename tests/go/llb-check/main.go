// llb-check verifies, with BuildKit's own Go types, that a marshaled pb.Definition read on
// stdin is Go-canonical: every op re-marshals (deterministically) to the exact bytes we sent,
// every input digest names an op of the definition, every metadata and source-location key is
// the digest of a sent op, and the definition as a whole re-marshals to the same bytes.
//
// Usage: llb-check check < definition.pb
// Prints one line per problem and exits 1 if there is any; prints "ok <n> ops" otherwise.
//
// llb-check reference <name> > definition.pb writes the definition of a fixed graph built
// with BuildKit's Go client (reference.go), which our Rust tests rebuild and compare digest by
// digest.
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	"google.golang.org/protobuf/proto"
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == "reference" {
		if err := writeReference(os.Args[2], os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "reference:", err)
			os.Exit(2)
		}
		return
	}
	if len(os.Args) != 2 || os.Args[1] != "check" {
		fmt.Fprintln(os.Stderr, "usage: llb-check check | llb-check reference all-ops|edge-cases|linux-resources|git-sources")
		os.Exit(2)
	}
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Println("read stdin:", err)
		os.Exit(2)
	}
	problems := check(data)
	for _, p := range problems {
		fmt.Println(p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
}

func check(data []byte) []string {
	var problems []string
	var def pb.Definition
	if err := proto.Unmarshal(data, &def); err != nil {
		return []string{"definition does not unmarshal: " + err.Error()}
	}
	deterministic := proto.MarshalOptions{Deterministic: true}
	if again, err := deterministic.Marshal(&def); err != nil {
		problems = append(problems, "definition does not re-marshal: "+err.Error())
	} else if !bytes.Equal(again, data) {
		problems = append(problems, fmt.Sprintf("definition bytes differ from Go's:\n  ours %x\n  go   %x", data, again))
	}
	if len(def.Def) < 2 {
		problems = append(problems, fmt.Sprintf("expected at least 2 ops, got %d", len(def.Def)))
	}
	known := map[digest.Digest]bool{}
	ops := make([]*pb.Op, len(def.Def))
	for i, dt := range def.Def {
		dgst := digest.FromBytes(dt)
		if known[dgst] {
			problems = append(problems, fmt.Sprintf("op %d (%s) is listed twice", i, dgst))
		}
		known[dgst] = true
		var op pb.Op
		if err := proto.Unmarshal(dt, &op); err != nil {
			problems = append(problems, fmt.Sprintf("op %d (%s) does not unmarshal: %v", i, dgst, err))
			continue
		}
		ops[i] = &op
		again, err := deterministic.Marshal(&op)
		if err != nil {
			problems = append(problems, fmt.Sprintf("op %d (%s) does not re-marshal: %v", i, dgst, err))
		} else if !bytes.Equal(again, dt) {
			problems = append(problems, fmt.Sprintf("op %d (%s) bytes differ from Go's:\n  ours %x\n  go   %x", i, dgst, dt, again))
		}
		// Inputs must come before the ops that read them (we emit post-order).
		for _, inp := range op.Inputs {
			if !known[digest.Digest(inp.Digest)] {
				problems = append(problems, fmt.Sprintf("op %d (%s) reads %s, which is not an earlier op", i, dgst, inp.Digest))
			}
		}
	}
	if n := len(ops); n > 0 && ops[n-1] != nil {
		last := ops[n-1]
		if len(last.Inputs) != 1 || last.Op != nil || last.Platform != nil || last.Constraints != nil {
			problems = append(problems, "the last op is not a terminal op {inputs:[head]}")
		}
	}
	for key := range def.Metadata {
		if !known[digest.Digest(key)] {
			problems = append(problems, "metadata key "+key+" is not the digest of a sent op")
		}
	}
	if def.Source != nil {
		for key, locs := range def.Source.Locations {
			if !known[digest.Digest(key)] {
				problems = append(problems, "source location key "+key+" is not the digest of a sent op")
			}
			for _, loc := range locs.Locations {
				if int(loc.SourceIndex) >= len(def.Source.Infos) || loc.SourceIndex < 0 {
					problems = append(problems, fmt.Sprintf("source location of %s names source %d of %d", key, loc.SourceIndex, len(def.Source.Infos)))
				}
			}
		}
	}
	if len(problems) == 0 {
		fmt.Printf("ok %d ops\n", len(def.Def))
	}
	return problems
}
