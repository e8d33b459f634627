"""Parses files with Tok's GBNF grammar (`tok grammar --format gbnf`).

GBNF is read rule by rule and transliterated to Lark's notation: `::=`
becomes `:`, a character class a one-character regex, a rule name's `-`
a `_`; literals, grouping, alternation and `*`, `+`, `?` are the same in
both. The rules then run in Lark's Earley parser with the complete dynamic
lexer, which tries every terminal at every character, as a GBNF engine
reads text one character at a time.

Usage: check_gbnf.py GRAMMAR FILE...; prints `ok FILE` or `error FILE: why`.
"""

import sys

from lark import Lark
from lark.exceptions import LarkError


def transliterate(gbnf: str) -> str:
    rules = ["start: root"]
    for line in gbnf.splitlines():
        if " ::= " not in line or line.lstrip().startswith("#"):
            continue
        name, body = line.split(" ::= ", 1)
        out, i = [], 0
        while i < len(body):
            c = body[i]
            if c == '"':
                j = i + 1
                while body[j] != '"':
                    j += 2 if body[j] == "\\" else 1
                out.append(body[i : j + 1])
                i = j + 1
            elif c == "[":
                j = i + 1
                while body[j] != "]":
                    j += 2 if body[j] == "\\" else 1
                cls = body[i : j + 1].replace('\\"', '"').replace("/", "\\/")
                out.append("/" + cls + "/")
                i = j + 1
            elif c.isalpha():
                j = i
                while j < len(body) and (body[j].isalnum() or body[j] == "-"):
                    j += 1
                out.append(body[i:j].replace("-", "_"))
                i = j
            else:
                out.append(c)
                i += 1
        rules.append(name.replace("-", "_") + ": " + "".join(out))
    return "\n".join(rules) + "\n"


def main() -> None:
    grammar_path, *files = sys.argv[1:]
    with open(grammar_path, encoding="utf-8") as handle:
        grammar = transliterate(handle.read())
    parser = Lark(grammar, parser="earley", lexer="dynamic_complete", start="start")
    for path in files:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        try:
            parser.parse(text)
            print(f"ok {path}")
        except LarkError as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            print(f"error {path}: {first}")


if __name__ == "__main__":
    main()
