"""What a reader of the built article must not meet (:func:`problems`): checked on the reader
version (no code) that ``make article`` builds, which fails on any (``python -m
bench.frontends.reading_check``): too many words or figures before the appendix, an image
without alternative text, an internal id, a path, raw output, a caption of more than
:data:`CAPTION_WORDS` words, a word of the build (a make target, an environment variable, a
preset's or a column's name, a file path), or no answer on the first screen."""

from __future__ import annotations

import html as html_
import re

#: At most this many words of prose (code listings are not counted), and this many figures,
#: before the appendix.
MAX_WORDS = 3000
MAX_FIGURES = 8
#: The article's own summary, at most this many words.
MAX_SUMMARY_WORDS = 150
#: A caption (a paragraph that starts "Figure N." or "Table N."), at most this many words.
CAPTION_WORDS = 80
#: Words of the build, not of the article: make targets, the build's variables, the presets'
#: names as such, trials.csv's columns, the project's files and folders.
BUILD_WORDS = (
    re.compile(r"\bmake (?:article|run|load|lab|test|freethreaded|report)\b"),
    re.compile(r"\b(?:LOAD_RUN|GIL_RUN|RUN|PRESET|OUT|BUILD|FANOUT_\w+)="),
    re.compile(
        r"\b(?:gil_run|load_run|gil_enabled|client_wall_s|b2b_wall_s|server_cpu_to_idle_s|trials\.csv|meta\.json)\b"
    ),
    re.compile(r"\b(?:quick|smoke|gil|gil-smoke|variance|scaling|servers) preset\b"),
    re.compile(r"\bpython -m \w+"),
    re.compile(r"\bdata/(?:runs|reference|gil-reference)\b"),
    re.compile(r"\b[\w/]+\.py\b"),
)

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
    prose = re.sub(
        r'<div class="highlight"><pre>.*?</pre>', " ", head, flags=re.S
    )  # a code listing is not read as prose
    words = len(WORD.findall(text_of(prose)))
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
    found += [f"a word of the build: {m.group(0)!r}" for pattern in BUILD_WORDS for m in pattern.finditer(text)]
    for caption in re.findall(r"<p>\s*<strong>(?:Figure|Table) \d+\..*?</p>", page, flags=re.S):
        said = len(WORD.findall(text_of(caption)))
        if said > CAPTION_WORDS:
            found.append(f"a caption of {said} words (at most {CAPTION_WORDS}): {text_of(caption)[:60]!r}")
    answer = re.search(r"The answer\.(.*?)</p>", page, flags=re.S)
    if answer is None:
        found.append("no summary ('The answer.') on the first screen")
    else:
        said = len(WORD.findall(text_of(answer.group(1))))
        if said > MAX_SUMMARY_WORDS:
            found.append(f"a summary of {said} words (at most {MAX_SUMMARY_WORDS})")
        if page.index("The answer.") > page.find("<img"):
            found.append("the summary comes after the first figure")
    if not re.search(r"Made by a run .* on ", text_of(page[: page.find("<img")])):
        found.append("the first screen does not say which run made it, on which machine")
    return found
