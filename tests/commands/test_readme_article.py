"""The pages' commands of the ``article`` group, as written: one build of the article notebook
at the smoke preset from the session's smoke run and load run, for its commands; every figure
of the built article must render in Chromium; and (make test-deep) the build that measures its
own runs. tests/doc_plans.py says what each runs and checks."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import chromium
from tests.doc_commands import LONG_S, Scratch, new_scratch, run_plan
from tests.doc_plans import ARTICLE, ARTICLE_SMOKE, article_built, group_tests

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
    run_plan(ARTICLE, scratch, tmp_path)  # the build the commands' test made (a command runs once)
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


@pytest.mark.slow
@pytest.mark.timeout(LONG_S + 120)
def test_the_article_measures_its_runs_when_none_is_given(tmp_path_factory: pytest.TempPathFactory, deep: bool) -> None:
    """``make article`` as a fresh clone runs it: the notebook measures its trials and its many
    clients itself, showing their progress (about 1.5 minutes at the smoke preset: make test-deep)."""
    if not deep:
        pytest.skip("measures its own two runs: make test-deep (make test builds it from the session's runs)")
    scratch = new_scratch(tmp_path_factory)
    built = scratch.run(ARTICLE_SMOKE, LONG_S)
    article_built(scratch, built)
    assert len(scratch.runs("smoke")) == 1 and len(scratch.runs("load-smoke")) == 1
    assert re.search(r"^smoke run: \d+/\d+ trials", built.out, re.M) and re.search(
        r"^load: \d+/\d+ steps", built.out, re.M
    )
