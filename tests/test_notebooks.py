"""The notebooks: committed clean, executed at the smoke preset, and the article's HTML
rendered in headless Chromium with every figure showing."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import papermill
import pytest
from nbconvert import HTMLExporter

from bench import debian

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
CELL_TIMEOUT_S = 300


def test_the_three_notebooks_exist_and_are_committed_without_outputs():
    names = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    assert names == ["article", "explore", "workshop"]
    for path in NOTEBOOKS.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        dirty = [
            i
            for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count"))
        ]
        assert not dirty, f"{path.name}: cells {dirty} carry outputs; commit notebooks clean"
        assert any("parameters" in c.metadata.get("tags", []) for c in nb.cells), path.name


def execute(name: str, tmp_path: Path, **parameters) -> Path:
    out = tmp_path / f"{name}.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS / f"{name}.ipynb"),
        str(out),
        parameters={"preset": "smoke", **parameters},
        cwd=str(NOTEBOOKS),
        kernel_name="python3",
        progress_bar=False,
        execution_timeout=CELL_TIMEOUT_S,
        log_output=False,
    )
    return out


@pytest.mark.parametrize("name", ["workshop", "explore"])
def test_notebook_runs_at_the_smoke_preset(name, tmp_path):
    nb = nbformat.read(execute(name, tmp_path), as_version=4)
    images = [
        o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if "image/png" in o.get("data", {})
    ]
    assert images, f"{name} drew no figure"


@pytest.fixture(scope="module")
def article_html(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("article")
    executed = execute("article", tmp, out=str(tmp / "runs"))
    nb = nbformat.read(executed, as_version=4)
    kinds = sorted(p.name.split("-", 1)[1].rsplit("-", 1)[0] for p in (tmp / "runs").iterdir())
    assert kinds == ["load-smoke", "smoke"]  # the run's and the load run's data went where told
    html, _ = HTMLExporter().from_notebook_node(nb)
    path = tmp / "article.html"
    path.write_text(html)
    return path


def test_article_runs_and_its_conclusion_comes_from_this_run(article_html):
    text = article_html.read_text()
    assert "Figure 1." in text and "Table 1." in text
    assert "in both frameworks" in text and "%time" in text
    assert "Traceback" not in text


def _chromium() -> str | None:
    for name in ("chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return debian.program("chromium", "chromium")  # the test set-up installs Debian's chromium


CHECK = """<script>
window.addEventListener("load", () => {
  const imgs = [...document.images];
  const broken = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).length;
  document.body.setAttribute("data-figures", JSON.stringify({total: imgs.length, broken: broken}));
});
</script></body>"""


def test_every_figure_of_the_built_article_renders_in_chromium(article_html, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium, and it could not be installed here (needs root and Debian's apt)")
    page = tmp_path / "checked.html"
    page.write_text(article_html.read_text().replace("</body>", CHECK, 1))
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
    expected = len(re.findall(r'<img[^>]+src="data:image/png', article_html.read_text()))
    assert figures["total"] >= expected > 0 and figures["broken"] == 0, figures
