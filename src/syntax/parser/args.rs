//! One logical line -> a [`Node`]: the keyword, the builder flags (`--name=value`) and the
//! arguments in the form each instruction takes (JSON array, key-value pairs, whitespace-split
//! words or the whole rest of the line), as the reference's `parser/line_parsers.go` does.

use super::*;

/// Splits `line[start..end]` (logical offsets) into keyword, flags and arguments and parses the
/// arguments with the instruction's argument syntax. `depth` counts enclosing ONBUILDs.
pub(super) fn new_node_from_line(
    line: &LogicalLine,
    start: usize,
    end: usize,
    escape: char,
    depth: usize,
) -> Result<Node, Diagnostic> {
    let text = &line.text[start..end];
    let trimmed = text.trim();
    let t0 = start + (text.len() - text.trim_start().len());
    let (cmd, rest, rest_at) = match trimmed.find(is_split_space) {
        Some(k) => {
            let after = &trimmed[k..];
            let skip = after.len() - after.trim_start_matches(is_split_space).len();
            (&trimmed[..k], &trimmed[k + skip..], t0 + k + skip)
        }
        None => (trimmed, "", t0 + trimmed.len()),
    };
    let keyword = Word::new(cmd, line.span(t0, t0 + cmd.len()));
    let (flags, args_at_rel) = extract_builder_flags(rest, escape);
    let flags = flags
        .into_iter()
        .map(|(t, s, e)| Word::new(t, line.span(rest_at + s, rest_at + e)))
        .collect();
    let args_raw = &rest[args_at_rel..];
    let args = args_raw.trim();
    let args_at = rest_at + args_at_rel + (args_raw.len() - args_raw.trim_start().len());
    let ctx = ArgContext {
        line,
        base: args_at,
        escape,
        keyword: cmd,
    };
    let mut node = Node {
        keyword,
        flags,
        args: Vec::new(),
        child: None,
        json: false,
        heredocs: Vec::new(),
        original: text.to_string(),
        span: line.span(t0, start + text.trim_end().len()),
        lines: LineRange::default(),
        comments: Vec::new(),
    };
    match cmd.to_ascii_lowercase().as_str() {
        "add" | "copy" | "volume" => ctx.maybe_json_to_list(args, &mut node)?,
        "arg" => node.args = ctx.words(args),
        "cmd" | "entrypoint" | "run" | "shell" => ctx.maybe_json(args, &mut node)?,
        "env" | "label" => node.args = ctx.name_val(args)?,
        "expose" | "from" => node.args = ctx.whitespace_list(args, 0),
        "healthcheck" => ctx.health_config(args, &mut node)?,
        "maintainer" | "stopsignal" | "user" | "workdir" => {
            if !args.is_empty() {
                node.args = vec![ctx.word(args, 0, args.len())];
            }
        }
        "onbuild" => {
            if !args.is_empty() {
                if depth >= MAX_ONBUILD_DEPTH {
                    return Err(Diagnostic::error(
                        "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
                        node.keyword.span,
                    )
                    .with_label("ONBUILD nested too deeply"));
                }
                let child =
                    new_node_from_line(line, args_at, args_at + args.len(), escape, depth + 1)?;
                node.child = Some(Box::new(child));
            }
        }
        // Unknown instructions are rejected by the instructions layer, with a suggestion.
        _ => node.args = vec![Word::new("", line.span(args_at, args_at))],
    }
    Ok(node)
}

/// Extracts leading `--flag` words from `rest`, removing quotes and escapes as the reference
/// does. Returns the flags with their byte ranges in `rest` and the offset where arguments begin.
fn extract_builder_flags(rest: &str, escape: char) -> (Vec<(String, usize, usize)>, usize) {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    // Most instructions have no flags: then the loop below would stop at the first word.
    let first = rest.len() - rest.trim_start().len();
    if !rest[first..].starts_with("--") {
        return (Vec::new(), first);
    }
    let chars: Vec<(usize, char)> = rest.char_indices().collect();
    let n = chars.len();
    let at = |i: usize| chars.get(i).map(|c| c.0).unwrap_or(rest.len());
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut buf = String::new();
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut word_start = 0;
    let mut i = 0;
    loop {
        if phase == Phase::Spaces {
            if i == n {
                break;
            }
            let ch = chars[i].1;
            if ch.is_whitespace() {
                i += 1;
                continue;
            }
            if ch != '-' || i + 1 == n || chars[i + 1].1 != '-' {
                return (words, at(i));
            }
            phase = Phase::Word;
            word_start = at(i);
        }
        if i == n {
            if buf != "--" && (blank_ok || !buf.is_empty()) {
                words.push((buf, word_start, rest.len()));
            }
            return (words, rest.len());
        }
        let mut ch = chars[i].1;
        if phase == Phase::Word {
            if ch.is_whitespace() {
                phase = Phase::Spaces;
                if buf == "--" {
                    return (words, at(i));
                }
                if blank_ok || !buf.is_empty() {
                    words.push((std::mem::take(&mut buf), word_start, at(i)));
                }
                buf.clear();
                blank_ok = false;
                i += 1;
                continue;
            }
            if ch == '\'' || ch == '"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
                i += 1;
                continue;
            }
            if ch == escape {
                if i + 1 == n {
                    i += 1;
                    continue;
                }
                i += 1;
                ch = chars[i].1;
            }
            buf.push(ch);
            i += 1;
            continue;
        }
        // Phase::Quote
        if ch == quote {
            phase = Phase::Word;
            i += 1;
            continue;
        }
        if ch == escape {
            if i + 1 == n {
                phase = Phase::Word;
                i += 1;
                continue;
            }
            i += 1;
            ch = chars[i].1;
        }
        buf.push(ch);
        i += 1;
    }
    (words, rest.len())
}

/// Argument parsers for one instruction; `base` is the logical offset of the argument text.
struct ArgContext<'l> {
    line: &'l LogicalLine,
    base: usize,
    escape: char,
    keyword: &'l str,
}

impl ArgContext<'_> {
    fn word(&self, args: &str, s: usize, e: usize) -> Word {
        Word::new(&args[s..e], self.line.span(self.base + s, self.base + e))
    }

    fn span(&self, s: usize, e: usize) -> Span {
        self.line.span(self.base + s, self.base + e)
    }

    /// Words split on `[\t\v\f\r ]+`, the reference's plain word list (FROM, EXPOSE, the
    /// non-JSON form of COPY, ADD and VOLUME). `offset` is where `args` starts within the
    /// argument text.
    fn whitespace_list(&self, args: &str, offset: usize) -> Vec<Word> {
        if args.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut start = None;
        for (i, c) in args.char_indices() {
            if is_split_space(c) {
                if let Some(s) = start.take() {
                    out.push(Word::new(&args[s..i], self.span(offset + s, offset + i)));
                }
            } else if start.is_none() {
                start = Some(i);
            }
        }
        if let Some(s) = start {
            out.push(Word::new(
                &args[s..],
                self.span(offset + s, offset + args.len()),
            ));
        }
        out
    }

    /// Shell-like words with quotes and escapes kept (ARG, and ENV/LABEL before splitting).
    fn words(&self, args: &str) -> Vec<Word> {
        #[derive(PartialEq)]
        enum Phase {
            Spaces,
            Word,
            Quote,
        }
        let chars: Vec<(usize, char)> = args.char_indices().collect();
        let n = chars.len();
        let at = |i: usize| chars.get(i).map(|c| c.0).unwrap_or(args.len());
        let mut words = Vec::new();
        let mut phase = Phase::Spaces;
        let mut buf = String::new();
        let mut quote = '\0';
        let mut blank_ok = false;
        let mut start = 0;
        let mut i = 0;
        loop {
            if phase == Phase::Spaces {
                if i == n {
                    break;
                }
                if chars[i].1.is_whitespace() {
                    i += 1;
                    continue;
                }
                phase = Phase::Word;
                start = at(i);
            }
            if i == n {
                if blank_ok || !buf.is_empty() {
                    words.push(Word::new(buf, self.span(start, args.len())));
                }
                break;
            }
            let mut ch = chars[i].1;
            if phase == Phase::Word {
                if ch.is_whitespace() {
                    phase = Phase::Spaces;
                    if blank_ok || !buf.is_empty() {
                        words.push(Word::new(std::mem::take(&mut buf), self.span(start, at(i))));
                    }
                    buf.clear();
                    blank_ok = false;
                    i += 1;
                    continue;
                }
                if ch == '\'' || ch == '"' {
                    quote = ch;
                    blank_ok = true;
                    phase = Phase::Quote;
                }
                if ch == self.escape {
                    if i + 1 == n {
                        i += 1;
                        continue;
                    }
                    buf.push(ch);
                    i += 1;
                    ch = chars[i].1;
                }
                buf.push(ch);
                i += 1;
                continue;
            }
            if ch == quote {
                phase = Phase::Word;
            }
            if ch == self.escape && quote != '\'' {
                if i + 1 == n {
                    phase = Phase::Word;
                    i += 1;
                    continue;
                }
                i += 1;
                buf.push(ch);
                ch = chars[i].1;
            }
            buf.push(ch);
            i += 1;
        }
        words
    }

    /// ENV and LABEL: `key=value ...` or the legacy `key value`.
    fn name_val(&self, args: &str) -> Result<Vec<Word>, Diagnostic> {
        let words = self.words(args);
        let Some(first) = words.first() else {
            return Ok(Vec::new());
        };
        let upper = self.keyword.to_ascii_uppercase();
        if !first.text.contains('=') {
            let Some(k) = args.find(is_split_space) else {
                return Err(Diagnostic::error(
                    format!("{upper} must have two arguments"),
                    self.span(0, args.len()),
                )
                .with_label("expected a value after the name")
                .with_hint(format!("write `{upper} {args}=value`")));
            };
            let after = &args[k..];
            let v = k + (after.len() - after.trim_start_matches(is_split_space).len());
            return Ok(vec![
                self.word(args, 0, k),
                self.word(args, v, args.len()),
                Word::new("", self.span(k, k)),
            ]);
        }
        let mut out = Vec::new();
        for w in words {
            let Some(eq) = w.text.find('=') else {
                return Err(Diagnostic::error(
                    format!(
                        "Syntax error - can't find = in {}. Must be of the form: name=value",
                        go_quote(&w.text)
                    ),
                    w.span,
                )
                .with_label("expected name=value")
                .with_hint(format!(
                    "{upper} takes name=value pairs once the first one uses `=`"
                )));
            };
            // The word text equals its source text up to the `=`, so offsets carry over.
            let key_end = w.span.start + eq;
            let key_span = Span::new(w.span.start, key_end.min(w.span.end));
            let value_span = Span::new((key_end + 1).min(w.span.end), w.span.end);
            out.push(Word::new(&w.text[..eq], key_span));
            out.push(Word::new(&w.text[eq + 1..], value_span));
            out.push(Word::new(
                "=",
                Span::new(key_end, (key_end + 1).min(w.span.end)),
            ));
        }
        Ok(out)
    }

    fn json_error(&self, start: usize, end: usize) -> Diagnostic {
        Diagnostic::error(
            "when using JSON array syntax, arrays must be comprised of strings only",
            self.span(start, end),
        )
        .with_label("not a string")
        .with_hint("quote every element, e.g. [\"echo\", \"hello\"]")
    }

    fn json_words(&self, args: &str, offset: usize) -> Result<Option<Vec<Word>>, Diagnostic> {
        match parse_string_array(args) {
            Ok(items) => Ok(Some(
                items
                    .into_iter()
                    .map(|s| Word::new(s.value, self.span(offset + s.start, offset + s.end)))
                    .collect(),
            )),
            Err(JsonArrayError::NotStringArray { start, end }) => {
                Err(self.json_error(offset + start, offset + end))
            }
            Err(JsonArrayError::NotJson) => Ok(None),
        }
    }

    /// RUN, CMD, ENTRYPOINT, SHELL: a JSON array, or else the whole text as one word.
    fn maybe_json(&self, args: &str, node: &mut Node) -> Result<(), Diagnostic> {
        self.maybe_json_at(args, 0, node)
    }

    fn maybe_json_at(&self, args: &str, offset: usize, node: &mut Node) -> Result<(), Diagnostic> {
        if args.is_empty() {
            return Ok(());
        }
        if let Some(words) = self.json_words(args, offset)? {
            node.args.extend(words);
            node.json = true;
        } else {
            node.args
                .push(Word::new(args, self.span(offset, offset + args.len())));
        }
        Ok(())
    }

    /// COPY, ADD, VOLUME: a JSON array, or else whitespace-separated words.
    fn maybe_json_to_list(&self, args: &str, node: &mut Node) -> Result<(), Diagnostic> {
        if let Some(words) = self.json_words(args, 0)? {
            node.args = words;
            node.json = true;
        } else {
            node.args = self.whitespace_list(args, 0);
        }
        Ok(())
    }

    /// HEALTHCHECK: a type word (NONE, CMD) then a command in either form.
    fn health_config(&self, args: &str, node: &mut Node) -> Result<(), Diagnostic> {
        let sep = args.find(char::is_whitespace).unwrap_or(args.len());
        if sep == 0 {
            return Ok(());
        }
        let after = &args[sep..];
        let next = sep + (after.len() - after.trim_start().len());
        node.args.push(self.word(args, 0, sep));
        self.maybe_json_at(&args[next..], next, node)
    }
}
