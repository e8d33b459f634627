"""Parses files with Tok's Lark grammar (`tok grammar --format lark`).

Usage: check_lark.py GRAMMAR FILE...; prints `ok FILE` or `error FILE: why`
for each file and exits 0 (the caller decides which results are right).
"""

import sys

from lark import Lark
from lark.exceptions import LarkError


def main() -> None:
    grammar_path, *files = sys.argv[1:]
    with open(grammar_path, encoding="utf-8") as handle:
        parser = Lark(handle.read(), parser="earley", lexer="dynamic", start="start")
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
