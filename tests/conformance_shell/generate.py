#!/usr/bin/env python3
"""Records the reference frontend's word expansion for random words into cases.jsonl.

Four generators: words built from the expansion grammar (nested ${...}, quotes, escapes),
free token soup (mostly syntax errors, to pin the error messages), pattern operators
(${V#$P}, ${V//$P/$R}, ...) with random values and patterns, and patterns written with quotes
and escape characters (${V#'a\\b'}, ${V/"\\x"/'\\y'}) under the switches the converter and
parser use. Each line of cases.jsonl holds a request and the reference's answer;
tests/conformance_shell.rs replays them.

Needs Go and the BuildKit module tests/go/go.mod requires (v0.34.2) in the module cache:
    python3 tests/conformance_shell/generate.py [count-per-generator] [seed] [--out FILE]
For a bigger differential run, write elsewhere and point the test at it:
    python3 tests/conformance_shell/generate.py 20000 7 --out /tmp/cases.jsonl
    EXPAND_CASES=/tmp/cases.jsonl cargo test --test conformance_shell recorded
"""
import json
import os
import random
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# The reference's lexer, as a Go program (tests/go/shell-check).
SHELL_CHECK = os.path.join(os.path.dirname(HERE), 'go', 'shell-check')
NAMES = ['A', 'B', 'a', 'AB', 'X', '1', '@', '#', '$', '?', '0', '한', 'A_1', '']
VALUE_TOKENS = ['a', 'b', 'x', '*', '?', '\\', '$', ' ', '\n', '/', '}', '$0', '${0}', '$$',
                "'", '"', '.', '한', '\ufeff']


def value():
    return ''.join(random.choices(VALUE_TOKENS, k=random.randint(0, 5)))


def environment():
    env = {}
    for _ in range(random.randint(0, 5)):
        env[random.choice(NAMES)] = value()
    return [[k, v] for k, v in env.items()]


def switches(request):
    request.update({
        'escape': random.choice(['\\', '\\', '`']),
        'raw_quotes': random.random() < 0.15,
        'raw_escapes': random.random() < 0.15,
        'skip_unset': random.random() < 0.2,
        'skip_quotes': random.random() < 0.1,
        'words': random.random() < 0.4,
    })
    return request


OPS = [':-', '-', ':+', '+', '?', ':?', '#', '##', '%', '%%', '/', '//', ':=', '=', ':#', '.']
TEXT = ['x', 'y', ' ', '  ', '.', '*', '?', '\\*', '\\}', '\\/', '/', ':', '\\ ', '\\\\', '<<',
        '<', '\t', '\n', 'é', '=', ',', '{', '\\$', '`', '`$', '\u3000', '\u093f']


def grammar(depth=0):
    parts = []
    for _ in range(random.randint(0, 4)):
        r = random.random()
        if r < 0.35 or depth > 3:
            parts.append(random.choice(TEXT))
        elif r < 0.5:
            parts.append('$' + random.choice(NAMES))
        elif r < 0.6:
            parts.append('${' + random.choice(NAMES) + '}')
        elif r < 0.8:
            op = random.choice(OPS)
            inner = grammar(depth + 1)
            if op.startswith('/'):
                inner += '/' + grammar(depth + 1)
            parts.append('${' + random.choice(NAMES) + op + inner + '}')
        elif r < 0.9:
            parts.append('"' + grammar(depth + 1).replace('"', '') + '"')
        else:
            parts.append("'" + grammar(depth + 1).replace("'", '') + "'")
    return ''.join(parts)


SOUP = ['$', '${', '}', ':', '-', '+', '?', '#', '%', '/', '*', '\\', '`', "'", '"', '<', '<<',
        ' ', '\n', '\t', 'A', 'B', 'a', 'AB', '0', '1', '_', '@', '!', '.', '=', '{', '한', 'é',
        '\u0663', '\u093f', '\u3000', '\ufeff', '\u00a0', 'x', 'y', '\r']
SOUP_WEIGHTS = [6, 8, 6, 4, 3, 2, 2, 3, 3, 3, 3, 4, 1, 3, 3, 1, 1, 3, 1, 1, 5, 4, 2, 2, 1, 1,
                1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 4, 2, 1]


def soup():
    return ''.join(random.choices(SOUP, SOUP_WEIGHTS, k=random.randint(0, 16)))


PATTERN = ['a', 'b', '*', '?', '\\*', '\\?', '\\\\', '\\', '\\}', '\\/', '.', '$', '/',
           '\ufeff', 'é', '\n']
SUBJECT = ['a', 'b', '*', '?', '\\', '.', '\n', 'é', '$', '/', 'ab', 'ba', '\ufeff']
REPLACEMENT = ['r', '$0', '${0}', '$$', '$1', '$x', '${x}', '$', '$00', '\\', '${0', 'é']


def pattern_request():
    op = random.choice(['#', '##', '%', '%%', '/', '//', '/#', '/%'])
    word = '${V' + op + '$P' + ('/$R}' if op.startswith('/') else '}')
    env = [['V', ''.join(random.choices(SUBJECT, k=random.randint(0, 10)))],
           ['P', ''.join(random.choices(PATTERN, k=random.randint(0, 5)))],
           ['R', ''.join(random.choices(REPLACEMENT, k=random.randint(0, 3)))]]
    return {'word': word, 'env': env, 'escape': '\\', 'raw_quotes': False,
            'raw_escapes': False, 'skip_unset': False, 'skip_quotes': False, 'words': False}


QUOTED = ['a', 'b', '\\', '\\\\', '*', '?', '\\*', '`', '``', '$V', '${V}', '}', ' ', '/', 'é']
SUBJECT_ESCAPES = ['a', 'b', '\\', '`', '*', ' ', 'ab', '/', '}']
# The lexer switches of the converter (none), RUN's progress name and heredoc detection (raw
# quotes and escapes, unset kept), and a heredoc delimiter's two lexings.
CALL_SITES = [{}, {'raw_quotes': True, 'raw_escapes': True, 'skip_unset': True},
              {'raw_quotes': True, 'raw_escapes': True}, {'skip_unset': True},
              {'raw_quotes': True, 'skip_unset': True}]

WRAPS = [('"', '"'), ('x ', ' y'), ('C:\\dir\\', ''), ('\\$V ', ''), ('', '\\'),
         ('"C:\\dir\\', '\\x"')]


def quoted_operand():
    parts = []
    for _ in range(random.randint(1, 3)):
        inner = ''.join(random.choices(QUOTED, k=random.randint(0, 4)))
        r = random.random()
        if r < 0.4:
            parts.append("'" + inner + "'")
        elif r < 0.8:
            parts.append('"' + inner + '"')
        else:
            parts.append(inner.replace('}', '').replace('/', ''))
    return ''.join(parts)


def quoted_pattern_request():
    op = random.choice(['#', '##', '%', '%%', '/', '//', '/#', '/%'])
    word = '${' + random.choice(['V', 'U']) + op + quoted_operand()
    word += ('/' + quoted_operand() + '}') if op.startswith('/') else '}'
    if random.random() < 0.4:
        before, after = random.choice(WRAPS)
        word = before + word + after
    request = {'word': word,
               'env': [['V', ''.join(random.choices(SUBJECT_ESCAPES, k=random.randint(0, 6)))]],
               'escape': random.choice(['\\', '\\', '`']), 'raw_quotes': False,
               'raw_escapes': False, 'skip_unset': False, 'skip_quotes': False,
               'words': random.random() < 0.3}
    request.update(random.choice(CALL_SITES))
    return request


def requests(count):
    out = []
    for _ in range(count):
        out.append(switches({'word': grammar(), 'env': environment()}))
        out.append(switches({'word': soup(), 'env': environment()}))
        out.append(pattern_request())
    # After the others, so that adding it left their words as they were.
    for _ in range(count * 3 // 4):
        out.append(quoted_pattern_request())
    return out


def run(command, reqs):
    text = ''.join(json.dumps(r, ensure_ascii=False) + '\n' for r in reqs)
    done = subprocess.run(command, input=text, capture_output=True, text=True, check=True)
    return [json.loads(line) for line in done.stdout.splitlines()]


def oracle(reqs):
    env = dict(os.environ, GOFLAGS='-mod=mod', GOPROXY='off', GOSUMDB='off')
    binary = os.path.join(SHELL_CHECK, 'shell-check')
    subprocess.run(['go', 'build', '-o', binary, '.'], cwd=SHELL_CHECK, env=env, check=True)
    try:
        return run([binary], reqs)
    finally:
        os.remove(binary)


def compact(request, answer):
    """One case: the request without its default switches, and only the answer's fields that
    matter for its mode."""
    case = {k: v for k, v in request.items() if v not in (False, '\\') or k == 'word'}
    if answer['is_err']:
        case['error'] = answer['err']
    elif request['words']:
        case['expect_words'] = answer['words']
    else:
        case['expect'] = answer['value']
        case['used'] = answer['used']
        case['unset'] = answer['unset']
    return case


def main():
    args = sys.argv[1:]
    out = os.path.join(HERE, 'cases.jsonl')
    if '--out' in args:
        at = args.index('--out')
        out = args[at + 1]
        del args[at:at + 2]
    count = int(args[0]) if args else 400
    random.seed(int(args[1]) if len(args) > 1 else 4)
    reqs = requests(count)
    answers = oracle(reqs)
    with open(out, 'w', encoding='utf-8') as f:
        for r, a in zip(reqs, answers):
            f.write(json.dumps(compact(r, a), ensure_ascii=False, separators=(',', ':')))
            f.write('\n')
    print(f'wrote {len(reqs)} cases to {out}')


if __name__ == '__main__':
    main()
