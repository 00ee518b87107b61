"""The pages' commands of the ``article`` group, as written: one build of the article notebook
at the smoke preset, for its three commands; then every figure of the built article must
render in Chromium. tests/doc_plans.py says what each runs and checks."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from .conftest import chromium
from .doc_commands import LONG_S, Scratch
from .doc_plans import ARTICLE_SMOKE, article_built, group_tests

scratch, test_command = group_tests("article")

CHECK_FIGURES = """<script>
window.addEventListener("load", () => {
  const imgs = [...document.images];
  const broken = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).length;
  document.body.setAttribute("data-figures", JSON.stringify({total: imgs.length, broken: broken}));
});
</script></body>"""


@pytest.mark.slow
@pytest.mark.timeout(LONG_S + 240)
def test_every_figure_of_the_built_article_renders_in_chromium(scratch: Scratch, tmp_path: Path) -> None:
    article_built(scratch, scratch.run(ARTICLE_SMOKE, LONG_S))
    browser = chromium()
    if browser is None:
        pytest.skip("no Chromium, and it could not be installed here (needs root and Debian's apt)")
    html = (scratch.path / "build" / "article.html").read_text()
    page = tmp_path / "checked.html"
    page.write_text(html.replace("</body>", CHECK_FIGURES, 1))
    r = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=10000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    found = re.search(r'data-figures="([^"]+)"', r.stdout)
    assert found, f"the page did not finish loading in Chromium: {r.stderr[-2000:]}"
    figures = json.loads(found.group(1).replace("&quot;", '"'))
    expected = len(re.findall(r'<img[^>]+src="data:image/png', html))
    assert figures["total"] >= expected > 0 and figures["broken"] == 0, figures
