// text-check prints, from Go's own standard library, what src/go must reproduce byte for
// byte (tests/go_text.rs compares):
//
//	text-check tables        the source of src/go/unicode_tables.rs (its generator)
//	text-check quote         strconv.Quote of each stdin line (a JSON string)
//	text-check duration      time.Duration(n).String() of each stdin line (an integer)
//	text-check parsebool     strconv.ParseBool of each stdin line: true, false or error
//	text-check parseint      strconv.ParseInt(line, 10, 64) of each stdin line: the value or the error
//	text-check parseuint     strconv.ParseUint(line, 10, 64), the same way
//	text-check platform      containerd platforms.Parse, Normalize and FormatAll of each stdin line (a JSON string)
//	text-check isabs-windows BuildKit's util/system IsAbs(line, "windows") of each stdin line (a JSON string)
//	text-check sort          for each stdin line (a JSON array of integers), the order sort.Slice
//	                         leaves their indices in when it sorts them by value (it is not stable)
//	text-check patternmatcher  for each stdin line {"patterns": [...], "paths": [...]}, moby/patternmatcher's
//	                         New(patterns) error, or Exclusions() and MatchesOrParentMatches of each path
//	                         (true, false or error), as JSON
//	text-check gitref        dfgitutil.ParseGitRef of each stdin line (a JSON string), and the source op
//	                         llb.Git(line, "") makes: {"isGit", "error", "ref", "git": {"identifier", "attrs", "caps"}}
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerfile/dfgitutil"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/system"
	"github.com/moby/patternmatcher"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: text-check tables|quote|duration|unixjson|parsebool|parseint|parseuint|platform|isabs-windows|patternmatcher|gitref|sort")
		os.Exit(2)
	}
	if os.Args[1] == "tables" {
		fmt.Print(tables())
		return
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<24)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		line := in.Text()
		switch os.Args[1] {
		case "quote":
			var s string
			if err := json.Unmarshal([]byte(line), &s); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
			fmt.Fprintln(out, strconv.Quote(s))
		case "duration":
			n, _ := strconv.ParseInt(line, 10, 64)
			fmt.Fprintln(out, time.Duration(n).String())
		case "unixjson":
			n, _ := strconv.ParseInt(line, 10, 64)
			dt, err := time.Unix(n, 0).UTC().MarshalJSON()
			if err != nil {
				fmt.Fprintln(out, "error")
			} else {
				fmt.Fprintln(out, strings.Trim(string(dt), `"`))
			}
		case "platform":
			var s string
			if err := json.Unmarshal([]byte(line), &s); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
			p, err := platforms.Parse(s)
			if err != nil {
				fmt.Fprintln(out, "error "+err.Error())
				continue
			}
			n := platforms.Normalize(p)
			dt, _ := json.Marshal(n)
			fmt.Fprintln(out, string(dt)+" "+platforms.FormatAll(p))
		case "isabs-windows":
			var s string
			if err := json.Unmarshal([]byte(line), &s); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
			fmt.Fprintln(out, system.IsAbs(s, "windows"))
		case "gitref":
			var s string
			if err := json.Unmarshal([]byte(line), &s); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
			dt, err := json.Marshal(gitRef(s))
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
			fmt.Fprintln(out, string(dt))
		case "sort":
			var keys []int
			if err := json.Unmarshal([]byte(line), &keys); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
			order := make([]int, len(keys))
			for i := range order {
				order[i] = i
			}
			sort.Slice(order, func(i, j int) bool { return keys[order[i]] < keys[order[j]] })
			dt, _ := json.Marshal(order)
			fmt.Fprintln(out, string(dt))
		case "parsebool":
			b, err := strconv.ParseBool(line)
			if err != nil {
				fmt.Fprintln(out, "error")
			} else {
				fmt.Fprintln(out, b)
			}
		case "parseint":
			if n, err := strconv.ParseInt(line, 10, 64); err != nil {
				fmt.Fprintln(out, err)
			} else {
				fmt.Fprintln(out, n)
			}
		case "parseuint":
			if n, err := strconv.ParseUint(line, 10, 64); err != nil {
				fmt.Fprintln(out, err)
			} else {
				fmt.Fprintln(out, n)
			}
		case "patternmatcher":
			var c struct {
				Patterns []string `json:"patterns"`
				Paths    []string `json:"paths"`
			}
			if err := json.Unmarshal([]byte(line), &c); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
			dt, _ := json.Marshal(matchAll(c.Patterns, c.Paths))
			fmt.Fprintln(out, string(dt))
		default:
			fmt.Fprintln(os.Stderr, "unknown mode", os.Args[1])
			os.Exit(2)
		}
	}
}

func matchAll(patterns, paths []string) map[string]any {
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return map[string]any{"error": err.Error()}
	}
	matches := []string{}
	for _, p := range paths {
		ok, err := pm.MatchesOrParentMatches(p)
		if err != nil {
			matches = append(matches, "error")
		} else {
			matches = append(matches, strconv.FormatBool(ok))
		}
	}
	return map[string]any{"exclusions": pm.Exclusions(), "matches": matches}
}

// tables walks every code point through Go's functions and writes sorted, disjoint, inclusive
// ranges as Rust source.
func tables() string {
	var b strings.Builder
	fmt.Fprintf(&b, `//! Unicode classes as Go's standard library sees them (Unicode %s), so names and error
//! quoting match the reference frontend exactly. Rust's `+"`char::is_alphabetic`"+` and
//! `+"`char::is_numeric`"+` are broader than Go's `+"`unicode.IsLetter` / `unicode.IsDigit`"+`.
//! Generated by walking every code point through those Go functions; sorted, disjoint,
//! inclusive ranges.
`, unicode.Version)
	table(&b, "LETTER", "Go `unicode.IsLetter`: general categories Lu, Ll, Lt, Lm, Lo.", unicode.IsLetter)
	table(&b, "DIGIT", "Go `unicode.IsDigit`: general category Nd.", unicode.IsDigit)
	table(&b, "PRINT", "Go `strconv.IsPrint`: L, M, N, P, S and U+0020; what `%q` leaves unescaped.", strconv.IsPrint)
	return b.String()
}

func table(b *strings.Builder, name, doc string, in func(rune) bool) {
	fmt.Fprintf(b, "\n/// %s\npub(crate) static %s: &[(char, char)] = &[\n", doc, name)
	start := rune(-1)
	for r := rune(0); r <= unicode.MaxRune+1; r++ {
		member := r <= unicode.MaxRune && !(r >= 0xD800 && r <= 0xDFFF) && in(r)
		if member && start < 0 {
			start = r
		}
		if !member && start >= 0 && !(r >= 0xD800 && r <= 0xDFFF) {
			fmt.Fprintf(b, "    ('\\u{%x}', '\\u{%x}'),\n", start, r-1)
			start = -1
		}
	}
	b.WriteString("];\n")
}

type gitSource struct {
	Identifier string            `json:"identifier"`
	Attrs      map[string]string `json:"attrs"`
	Caps       []string          `json:"caps"`
}

type gitRefResult struct {
	IsGit bool              `json:"isGit"`
	Error *string           `json:"error"`
	Ref   *dfgitutil.GitRef `json:"ref"`
	Git   gitSource         `json:"git"`
}

// gitRef is what ParseGitRef makes of s, and the source op llb.Git makes of it as a remote.
func gitRef(s string) gitRefResult {
	ref, isGit, err := dfgitutil.ParseGitRef(s)
	res := gitRefResult{IsGit: isGit, Ref: ref}
	if err != nil {
		msg := err.Error()
		res.Error = &msg
		res.Ref = nil
	}
	st := llb.Git(s, "")
	_, dt, md, _, err := st.Output().Vertex(context.Background(), &llb.Constraints{}).Marshal(context.Background(), &llb.Constraints{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var op pb.Op
	if err := op.UnmarshalVT(dt); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	res.Git = gitSource{Identifier: op.GetSource().Identifier, Attrs: op.GetSource().Attrs, Caps: []string{}}
	for c, ok := range md.Caps {
		if ok {
			res.Git.Caps = append(res.Git.Caps, string(c))
		}
	}
	slices.Sort(res.Git.Caps)
	if res.Git.Attrs == nil {
		res.Git.Attrs = map[string]string{}
	}
	return res
}
