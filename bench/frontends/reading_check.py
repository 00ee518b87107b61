"""``python -m bench.frontends.reading_check ARTICLE.html``: make article's last step, which
fails the build when the reader version has anything a reader must not meet
(:func:`bench.presentation.reading.problems`), each named."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.presentation.reading import problems


def main(argv: list[str] | None = None) -> int:
    """0 when the page reads clean, 1 naming each problem, 2 when there is no page."""
    p = argparse.ArgumentParser(prog="python -m bench.frontends.reading_check", description=__doc__.split("\n\n")[0])
    p.add_argument("page", type=Path, help="the reader version of the built article (HTML)")
    args = p.parse_args(argv)
    try:
        found = problems(args.page.read_text())
    except OSError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for problem in found:
        print(f"{args.page}: {problem}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
