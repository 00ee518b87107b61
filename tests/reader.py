"""What a reader of the built article must not meet (:func:`problems`): checked on the reader
version (no code) that ``make article`` builds."""

from __future__ import annotations

import html as html_
import re

#: At most this many words, and this many figures, before the appendix.
MAX_WORDS = 3000
MAX_FIGURES = 8
#: The article's own summary, at most this many words.
MAX_SUMMARY_WORDS = 150

#: A word as a reader counts it: ``1.49x``, ``FastAPI's``, ``§2``, ``in-process``.
WORD = re.compile(r"[\w§]+(?:[.,'-][\w§]+)*")
#: A figure id of the analysis (``fxs.back_to_back.server.litestar.granian``, ``gap.isolated.debug``).
INTERNAL_ID = re.compile(r"\b(?:fxs|gap|headline|best|scaling|gil|cpu|parallelism|size)\.[a-z_]+\.[\w.]+")
ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])/(?:work|home|tmp|usr|opt|root|Users|var)/")
#: Raw output: a dict's repr, a server's address, pandas' truncation marker, a figure's repr.
RAW = (
    re.compile(r"\{'\w+': "),
    re.compile(r"https?://127\.0\.0\.1:\d+"),
    re.compile(r"\d+ rows × \d+ columns"),
    re.compile(r"<Figure size \d+x\d+ with \d+ Axes>"),
)


def text_of(page: str) -> str:
    """What a reader reads of an HTML page: no styles, scripts or tags."""
    body = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    return html_.unescape(re.sub(r"<[^>]+>", " ", body))


def problems(page: str) -> list[str]:
    """Everything wrong with the reader version of the article, in words (empty: none)."""
    found = []
    head, _, _ = page.partition('id="Appendix')
    words = len(WORD.findall(text_of(head)))
    if words > MAX_WORDS:
        found.append(f"{words} words before the appendix (at most {MAX_WORDS})")
    figures = len(re.findall(r"<img\b", head))
    if figures > MAX_FIGURES:
        found.append(f"{figures} figures before the appendix (at most {MAX_FIGURES})")
    for img in re.findall(r"<img\b[^>]*>", page, flags=re.S):
        alt = re.search(r'\balt="([^"]*)"', img)
        if alt is None or len(alt.group(1).split()) < 5:
            found.append(f"an image without alternative text: {img[:80]}")
    text = text_of(page)
    found += [f"an internal id: {m}" for m in sorted(set(INTERNAL_ID.findall(text)))]
    found += [
        f"an absolute path near: {text[max(0, m.start() - 40) : m.end() + 40]!r}" for m in ABSOLUTE_PATH.finditer(text)
    ]
    found += [f"raw output: {m.group(0)}" for pattern in RAW for m in pattern.finditer(text)]
    answer = re.search(r"The answer\.(.*?)</p>", page, flags=re.S)
    if answer is None:
        found.append("no summary ('The answer.') on the first screen")
    else:
        said = len(WORD.findall(text_of(answer.group(1))))
        if said > MAX_SUMMARY_WORDS:
            found.append(f"a summary of {said} words (at most {MAX_SUMMARY_WORDS})")
        if page.index("The answer.") > page.find("<img"):
            found.append("the summary comes after the first figure")
    if "preset on" not in text_of(page[: page.find("<img")]):
        found.append("the first screen does not say which preset made it, on which machine")
    return found
