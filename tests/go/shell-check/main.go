// Command shell-check answers word-expansion requests with the reference frontend's own lexer
// (github.com/moby/buildkit/frontend/dockerfile/shell), one JSON object a line on stdin and
// stdout. tests/conformance_shell/generate.py uses it to record reference results for
// tests/conformance_shell.rs, which also runs it directly on chosen words.
package main

import (
	"bufio"
	"encoding/json"
	"os"
	"sort"

	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

type req struct {
	Word       string      `json:"word"`
	Env        [][2]string `json:"env"`
	Escape     string      `json:"escape"`
	RawQuotes  bool        `json:"raw_quotes"`
	RawEscapes bool        `json:"raw_escapes"`
	SkipUnset  bool        `json:"skip_unset"`
	SkipQuotes bool        `json:"skip_quotes"`
	Words      bool        `json:"words"`
	Regex      []string    `json:"regex"`
}

type resp struct {
	Value string   `json:"value"`
	Words []string `json:"words"`
	Used  []string `json:"used"`
	Unset []string `json:"unset"`
	Err   string   `json:"err"`
	IsErr bool     `json:"is_err"`
}

type env struct{ m map[string]string }

func (e env) Get(k string) (string, bool) { v, ok := e.m[k]; return v, ok }
func (e env) Keys() []string              { return nil }

func keys(m map[string]struct{}) []string {
	out := []string{}
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func main() {

	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	enc := json.NewEncoder(os.Stdout)
	for sc.Scan() {
		var r req
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			panic(err)
		}
		esc := '\\'
		if r.Escape == "`" {
			esc = '`'
		}
		lex := shell.NewLex(esc)
		lex.RawQuotes = r.RawQuotes
		lex.RawEscapes = r.RawEscapes
		lex.SkipUnsetEnv = r.SkipUnset
		lex.SkipProcessQuotes = r.SkipQuotes
		e := env{m: map[string]string{}}
		for _, kv := range r.Env {
			e.m[kv[0]] = kv[1]
		}
		var out resp
		if r.Words {
			w, err := lex.ProcessWords(r.Word, e)
			out.Words = w
			if err != nil {
				out.IsErr = true
				out.Err = err.Error()
			}
		} else {
			res, err := lex.ProcessWordWithMatches(r.Word, e)
			out.Value = res.Result
			out.Used = keys(res.Matched)
			out.Unset = keys(res.Unmatched)
			if err != nil {
				out.IsErr = true
				out.Err = err.Error()
			}
		}
		if out.Words == nil {
			out.Words = []string{}
		}
		enc.Encode(out)
	}
}
