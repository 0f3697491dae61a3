import json, random, sys
seed = int(sys.argv[1]); n = int(sys.argv[2])
R = random.Random(seed)
def ch(*xs): return R.choice(xs)
words = ["a", "b c", "/app", "$HOME", "${X:-y}", "\"q w\"", "'s q'", "x\\ y", "é", "--x", "-", "#c", "a=b", "=x", "k=\"v v\"", "[", "]", "\"", "'", "<<EOF", "<<-EOF", "<<'EOF'", "2<<EOF", "<< EOF", "EOF", "\\", "`", "1", "NONE", "CMD", "AS", "as", "\t", "a#b"]
flags = ["--from=x", "--from", "--chown=1:1", "--chmod=755", "--link", "--link=false", "--link=maybe", "--parents", "--exclude=*.md", "--platform=linux/amd64", "--mount=type=cache,target=/c", "--mount=type=bind,\\\"x", "--mount=", "--network=none", "--network=bogus", "--security=insecure", "--device=gpu", "--interval=1s", "--interval=10", "--timeout=1us", "--retries=3", "--retries=-2", "--keep-git-dir", "--checksum=sha256:1", "--unpack", "--\"quoted=a b\"", "--'q'", "--", "--a\\ b", "--unknown"]
instrs = ["FROM", "RUN", "CMD", "ENTRYPOINT", "SHELL", "ENV", "LABEL", "ARG", "WORKDIR", "USER", "EXPOSE", "VOLUME", "STOPSIGNAL", "HEALTHCHECK", "ONBUILD", "MAINTAINER", "COPY", "ADD", "from", "Run", "COPPY", "cmd"]
def args():
    k = R.randint(0, 4)
    if R.random() < 0.2:
        items = [ch('"a"', '"b c"', "1", "true", '"\\u00e9"', '"x\\"y"', "[]", '"<<EOF"', "'z'") for _ in range(R.randint(0,3))]
        s = "[" + ch(", ", ",", " , ").join(items) + ch("]", "", "] x", " ]")
        return s
    return " ".join(R.choice(words) for _ in range(k))
def line():
    ins = R.choice(instrs)
    parts = [ins]
    if R.random() < 0.4:
        parts += [R.choice(flags) for _ in range(R.randint(1, 3))]
    a = args()
    if ins.upper() == "ONBUILD" and R.random() < 0.7:
        a = R.choice(["RUN x", "ONBUILD RUN x", "FROM a", "COPY <<EOF /x", "MAINTAINER m", "RUN [\"a\"]", ""]) 
    if ins.upper() == "HEALTHCHECK" and R.random() < 0.6:
        a = R.choice(["NONE", "CMD curl x", "CMD [\"a\"]", "CMD", "NONE x", "cmd y"]) 
    parts.append(a)
    s = R.choice([" ", "  ", "\t"]).join(p for p in parts if p != "" or R.random() < 0.5)
    if R.random() < 0.15:
        cut = R.randint(0, len(s))
        s = s[:cut] + R.choice([" \\\n", "\\\n", " \\  \n", "\\\n# c\n", " \\\n\n", "`\n"]) + s[cut:]
    return s
def dockerfile():
    out = []
    if R.random() < 0.2: out.append(R.choice(["# syntax=x", "# escape=`", "# escape=\\", "#escape=`", "# check=skip=all", "# escape=x", "\ufeff# escape=`"]))
    if R.random() < 0.1: out.append(R.choice(["# escape=`", "# syntax=y", "# other=1"]))
    if R.random() < 0.8: out.append("FROM " + R.choice(["alpine", "a AS b", "a as B", "a AS 1", "--platform=x a", "a b", ""]))
    for _ in range(R.randint(0, 6)):
        if R.random() < 0.1: out.append(R.choice(["", "# comment", "  # indented", "\t"]))
        l = line()
        out.append(l)
        if "<<" in l and R.random() < 0.8:
            body = R.choice(["hello", "$x", "\tindented", "EOF ", "# c"])
            out.append(body)
            out.append(R.choice(["EOF", "\tEOF", "X", "EOF"]))
    sep = "\r\n" if R.random() < 0.1 else "\n"
    return sep.join(out) + (sep if R.random() < 0.8 else "")
print(json.dumps([dockerfile() for _ in range(n)]))
