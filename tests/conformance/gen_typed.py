import json, random, sys
seed = int(sys.argv[1]); n = int(sys.argv[2])
R = random.Random(seed)
W = ["a", "/app", "$HOME", "${X:-y}", "\"q w\"", "'s q'", "x\\ y", "é", "a=b", "k=\"v v\"", "\"\"", "''", "a\\\"b", "c\\'d", "*.go", "1", "8080/udp", "80-90", "\\$x", "a#b", "--not-a-flag"]
def w(): return R.choice(W)
def ws(k): return " ".join(w() for _ in range(k))
def jarr(k): return "[" + ", ".join(json.dumps(R.choice(["a", "b c", "é", "x\"y", "$HOME", "<<EOF", "\\n"])) for _ in range(k)) + "]"
def heredoc(run):
    name = R.choice(["EOF", "END", "X1", "file.txt"])
    q = R.choice(["", "'", "\""])
    dash = R.choice(["", "-"])
    body = R.choice(["hello $x", "\techo tab", "line1\nline2", "", "#!/bin/sh\necho ${A:-b}"])
    term = ("\t" if dash and R.random() < 0.5 else "") + name
    return f"<<{dash}{q}{name}{q}", body, term
def inst():
    t = R.choice(["RUN","RUN","CMD","ENTRYPOINT","SHELL","ENV","LABEL","ARG","WORKDIR","USER","EXPOSE","VOLUME","STOPSIGNAL","HEALTHCHECK","ONBUILD","MAINTAINER","COPY","COPY","ADD","ADD"])
    post = []
    if t == "RUN":
        fl = R.sample(["--mount=type=cache,target=/c", "--mount=type=secret,id=s", "--network=none", "--network=host", "--security=insecure", "--device=gpu", "--mount=type=bind,from=b,target=/x"], R.randint(0,2))
        r = R.random()
        if r < 0.3: a = jarr(R.randint(0,3))
        elif r < 0.6:
            h, body, term = heredoc(True); a = R.choice([h, "cat " + h + " > /f", h + " python3"]); post = [body, term]
        else: a = ws(R.randint(1,4))
        return " ".join(["RUN"] + fl + [a]), post
    if t in ("CMD","ENTRYPOINT"): return t + " " + (jarr(R.randint(0,3)) if R.random()<0.5 else ws(R.randint(0,3))), post
    if t == "SHELL": return "SHELL " + jarr(R.randint(1,3)), post
    if t in ("ENV","LABEL"):
        if R.random()<0.3: return f"{t} K{R.randint(0,9)} " + ws(R.randint(1,3)), post
        return t + " " + " ".join(f"K{R.randint(0,9)}=" + R.choice(["v", "\"a b\"", "'c d'", "x\\ y", "", "$A", "é"]) for _ in range(R.randint(1,3))), post
    if t == "ARG": return "ARG " + " ".join(R.choice(["A", "B=1", "C=\"x y\"", "D=", "E=$A"]) for _ in range(R.randint(1,3))), post
    if t in ("WORKDIR","USER","STOPSIGNAL","MAINTAINER"): return t + " " + ws(R.randint(1,3)), post
    if t == "EXPOSE": return "EXPOSE " + " ".join(R.choice(["80", "443/tcp", "53/udp", "8000-8010", "$P"]) for _ in range(R.randint(1,3))), post
    if t == "VOLUME": return "VOLUME " + (jarr(R.randint(1,2)) if R.random()<0.3 else ws(R.randint(1,3))), post
    if t == "HEALTHCHECK":
        if R.random()<0.2: return "HEALTHCHECK NONE", post
        fl = R.sample(["--interval=30s", "--timeout=1m30s", "--start-period=0s", "--start-interval=5ms", "--retries=3", "--interval=1.5s", "--timeout=0"], R.randint(0,3))
        return " ".join(["HEALTHCHECK"] + fl + ["CMD", jarr(R.randint(1,2)) if R.random()<0.4 else ws(R.randint(1,3))]), post
    if t == "ONBUILD":
        if R.random()<0.3:
            h, body, term = heredoc(True); return "ONBUILD RUN " + h, [body, term]
        return "ONBUILD " + R.choice(["RUN make", "COPY . /app", "ENV A=1", "RUN [\"a\"]", "ADD x y"]), post
    if t in ("COPY","ADD"):
        fl = ["--chown=1:1", "--chmod=0755", "--link", "--link=false", "--exclude=*.md"]
        fl += ["--from=build", "--parents"] if t == "COPY" else ["--checksum=sha256:ab", "--keep-git-dir", "--unpack=false"]
        fl = R.sample(fl, R.randint(0,3))
        r = R.random()
        if r < 0.2: a = jarr(R.randint(2,3))
        elif r < 0.5:
            h, body, term = heredoc(False); a = h + " " + ws(R.randint(0,1)) + " /dst"; post = [body, term]
        else: a = ws(R.randint(1,3)) + " /dst/"
        return " ".join([t] + fl + [a]), post
def dockerfile():
    out = []
    if R.random()<0.2: out.append("# escape=`")
    if R.random()<0.3: out.append("ARG " + R.choice(["V=1", "BASE=alpine"]))
    for s in range(R.randint(1,2)):
        out.append("FROM " + R.choice(["alpine", "alpine AS b" + str(s), "--platform=$BUILDPLATFORM alpine AS Build" + str(s), "$BASE"]))
        for _ in range(R.randint(1,5)):
            if R.random()<0.15: out.append(R.choice(["# c", "", "  # K1 described"]))
            l, post = inst()
            if R.random()<0.15 and " " in l:
                i = l.index(" ", 3)
                l = l[:i] + R.choice([" \\\n  ", " \\\n# c\n ", " \\ \n"]) + l[i:]
            out.append(l); out += post
    return "\n".join(out) + "\n"
print(json.dumps([dockerfile() for _ in range(n)]))
