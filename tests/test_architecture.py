"""The split the layout promises: bench reaches servers through HTTP and one narrow module,
never imports a framework, stands in layers that import only downward (no circle, no import
inside a function); the layout in docs/development.md is the tree, both ways; the tests are laid
out as the code is; and the tables of docs/servers.md are the registries."""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import re
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import ROOT

FRAMEWORK_PACKAGES = {"flask", "fastapi", "starlette", "uvicorn", "werkzeug", "gunicorn", "flask_cors"}


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, by its full dotted name (relative imports resolved)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found |= {f"{base}.{a.name}" for a in node.names} | {base}
    return found


#: bench's floors, from the ground up: each is a folder of bench/, and a module's floor is the
#: folder it lies in (bench/__init__.py and bench/__main__.py, which name the public surface and
#: the command line, stand on the top floor). A module imports only modules on its own floor or below.
FLOORS = ("vocabulary", "instrument", "analysis", "presentation", "frontends")
TOP = {"bench.__init__", "bench.__main__"}


def floor_of(module: str) -> int:
    """The floor of a bench module (dotted, a package's ``__init__`` as ``pkg.__init__``)."""
    if module in TOP:
        return len(FLOORS) - 1
    return FLOORS.index(module.split(".")[1])


def module_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def bench_modules() -> dict[str, Path]:
    """Every module of bench by its dotted name (a package's ``__init__`` as ``pkg.__init__``)."""
    return {module_of(p): p for p in sorted((ROOT / "bench").rglob("*.py"))}


def bench_imports(path: Path) -> set[str]:
    """The bench modules ``path`` imports, wherever it does (inside a function too): ``from
    pkg import x`` as the module ``pkg.x`` where x is one, else as the package's ``__init__``
    (a name of its public surface)."""
    known = bench_modules()
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = _named(node, package)
        if isinstance(node, ast.ImportFrom):
            base = min(names, key=len)
            modules = {n for n in names - {base} if n in known or f"{n}.__init__" in known}
            names = modules if modules == names - {base} else names
        for name in names:
            for candidate in (name, f"{name}.__init__"):
                if candidate in known:
                    found.add(candidate)
    return found


def _named(node: ast.AST, package: str) -> set[str]:
    """The dotted names an import statement names (relative ones resolved), with each
    imported name appended to its base; nothing for any other statement."""
    if isinstance(node, ast.Import):
        return {a.name for a in node.names}
    if isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            parent = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*parent, base] if base else parent)
        return {base} | {f"{base}.{a.name}" for a in node.names}
    return set()


def graph() -> dict[str, set[str]]:
    """Each bench module and the bench modules it imports (itself left out)."""
    return {m: bench_imports(p) - {m} for m, p in bench_modules().items()}


def cycle_in(edges: dict[str, set[str]]) -> list[str]:
    """One import cycle among ``edges`` (its modules in order, the first again at the end), or []."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(m: str) -> list[str]:
        state[m] = 1
        path.append(m)
        for n in sorted(edges.get(m, ())):
            if state.get(n) == 1:
                return [*path[path.index(n) :], n]
            if n not in state and (found := visit(n)):
                return found
        path.pop()
        state[m] = 2
        return []

    for m in sorted(edges):
        if m not in state and (found := visit(m)):
            return found
    return []


def imports_inside_functions(path: Path) -> list[str]:
    """``line: module`` for each bench module imported inside a function of ``path``."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    out = []
    for fn in ast.walk(ast.parse(path.read_text())):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            for node in ast.walk(fn):
                names = _named(node, package)
                if isinstance(node, ast.stmt) and any(n == "bench" or n.startswith("bench.") for n in names):
                    out.append(f"{node.lineno}: {sorted(names)[0]}")
    return out


def test_every_bench_module_stands_in_a_floor_folder():
    outside = [m for m in bench_modules() if m not in TOP and m.split(".")[1] not in FLOORS]
    assert not outside, f"modules outside bench's floors ({', '.join(FLOORS)}): {outside}"
    assert {p.name for p in (ROOT / "bench").iterdir() if p.is_dir() and p.name != "__pycache__"} == set(FLOORS)


def test_no_module_name_repeats_under_bench():
    names: dict[str, list[str]] = {}
    for m in bench_modules():
        if not m.endswith("__init__") and m not in TOP:
            names.setdefault(m.rsplit(".", 1)[1], []).append(m)
    repeated = {n: ms for n, ms in names.items() if len(ms) > 1}
    assert not repeated, f"module names used twice under bench/: {repeated}"


def test_bench_has_no_import_cycle():
    found = cycle_in(graph())
    assert not found, "bench modules import each other in a circle: " + " -> ".join(found)


def test_no_bench_module_is_imported_inside_a_function():
    inside = {m: found for m, p in bench_modules().items() if (found := imports_inside_functions(p))}
    assert not inside, f"imports of bench modules inside functions (import at the top, downward): {inside}"


def test_each_module_imports_only_from_its_own_floor_or_below():
    upward = [
        f"{m} ({FLOORS[floor_of(m)]}) imports {n} ({FLOORS[floor_of(n)]})"
        for m, imported in graph().items()
        for n in sorted(imported)
        if floor_of(n) > floor_of(m)
    ]
    assert not upward, "imports that run back up: " + "; ".join(upward)


def test_bench_modules_import_modules_not_the_public_surface():
    """The surface (``bench/__init__.py`` and each floor's ``__init__``) is for notebooks and
    users: inside bench, a module imports the module that defines a name."""
    through = {
        m: sorted(n for n in imported if n.endswith("__init__"))
        for m, imported in graph().items()
        if not m.endswith("__init__") and any(n.endswith("__init__") for n in imported)
    }
    assert not through, f"imports through a package's __init__ (import the defining module): {through}"


def test_the_cycle_finder_finds_a_cycle_and_only_one():
    assert cycle_in({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle_in({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []


def test_bench_reaches_servers_through_the_harness_only():
    for path in sorted((ROOT / "bench").rglob("*.py")):
        of_servers = {m for m in imports(path) if m.startswith("servers.")}
        beyond = {m for m in of_servers if m != "servers.harness" and not m.startswith("servers.harness.")}
        assert not beyond, f"{path.relative_to(ROOT)} imports {beyond} (bench reaches servers through servers.harness)"


def test_bench_never_imports_a_framework():
    for path in sorted((ROOT / "bench").rglob("*.py")):
        tops = {m.split(".")[0] for m in imports(path)}
        assert not tops & FRAMEWORK_PACKAGES, f"{path.relative_to(ROOT)} imports {tops & FRAMEWORK_PACKAGES}"


def test_the_frameworks_are_imported_by_their_glue_modules_and_the_servers_that_host_them():
    hosts = {"servers/serving.py", "servers/werkzeug_errors.py"}
    for path in sorted((ROOT / "servers").glob("*.py")):
        name = str(path.relative_to(ROOT))
        tops = {m.split(".")[0] for m in imports(path)} & FRAMEWORK_PACKAGES
        if tops and not name.endswith("_app.py"):
            assert name in hosts, f"{name} imports {tops}"


def layout_section() -> str:
    text = (ROOT / "docs" / "development.md").read_text()
    return text.split("## Layout", 1)[1].split("```", 2)[1]


#: What make, a run or an install makes, not git: the layout names each as git-ignored, and git ignores it.
GENERATED = ("lab", "build", ".venv", ".venv-ft", "data/runs")
#: A line of the layout: its names (a folder's ends in ``/``), then, after two spaces or more, what it holds.
LAYOUT_LINE = re.compile(r"^(?P<indent> *)(?P<names>[\w.-]+/?(?:, [\w.-]+/?)*)(?:\s{2,}(?P<says>\S.*))?$")


@dataclass(frozen=True)
class Entry:
    """A file or folder the layout names: its path from the repository's root, and what it holds."""

    path: str
    folder: bool
    says: str


def layout_entries() -> list[Entry]:
    """Every file and folder the layout names, a folder's contents indented two spaces under it."""
    entries: list[Entry] = []
    folders: list[tuple[int, str]] = []  # the folders the line being read lies in, with their indents
    for line in layout_section().strip("\n").splitlines():
        m = LAYOUT_LINE.match(line)
        assert m, f"docs/development.md's layout: {line!r} is not names and what they hold"
        indent, names = len(m["indent"]), m["names"].split(", ")
        while folders and folders[-1][0] >= indent:
            folders.pop()
        assert indent == (folders[-1][0] + 2 if folders else 0), f"{line!r} is not two spaces under its folder"
        parent = folders[-1][1] + "/" if folders else ""
        for name in names:
            entries.append(Entry(parent + name.rstrip("/"), name.endswith("/"), m["says"] or ""))
        if names[0].endswith("/"):
            assert len(names) == 1, f"{line!r}: a folder stands alone on its line, its contents under it"
            folders.append((indent, parent + names[0].rstrip("/")))
    return entries


def tracked() -> list[str]:
    """The files git holds (and the working tree still has), by their paths from the root."""
    found = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=False)
    if found.returncode:
        pytest.skip("not a git checkout: the layout is checked against the files git holds")
    return [f for f in found.stdout.splitlines() if (ROOT / f).exists()]


def folders_under(top: str) -> set[str]:
    """Every folder under ``top`` (caches left out), by its path from the root."""
    return {str(p.relative_to(ROOT)) for p in (ROOT / top).rglob("*") if p.is_dir() and "__pycache__" not in p.parts}


def test_the_development_layout_names_every_module_and_folder_of_the_tree():
    named = [e.path for e in layout_entries()]
    assert len(named) == len(set(named)), f"named twice: {sorted({n for n in named if named.count(n) > 1})}"
    files = tracked()
    modules = {
        str(p.relative_to(ROOT))
        for d in ("servers", "bench")
        for p in (ROOT / d).rglob("*.py")
        if p.name != "__init__.py"
    }
    top = {f.split("/")[0] for f in files if "/" in f} | {f for f in files if "/" not in f and not f.startswith(".")}
    data = {"/".join(f.split("/")[:2]) for f in files if f.startswith("data/") and f.count("/") >= 2}
    wanted = modules | folders_under("bench") | folders_under("tests") | top | data | set(GENERATED)
    assert not wanted - set(named), f"docs/development.md's layout omits {sorted(wanted - set(named))}"


def test_everything_the_development_layout_names_exists_or_is_made_and_ignored():
    ours = {p.name for d in ("servers", "bench", "tests", "loadtest", "scripts") for p in (ROOT / d).rglob("*.py")}
    for entry in layout_entries():
        if entry.path in GENERATED:
            assert "git-ignored" in entry.says, f"the layout says {entry.path} is made, and git-ignored"
            ignored = subprocess.run(["git", "check-ignore", "-q", f"{entry.path}/"], cwd=ROOT, check=False)
            assert ignored.returncode == 0, f"git does not ignore {entry.path}"
        else:
            path = ROOT / entry.path
            assert path.is_dir() if entry.folder else path.is_file(), f"the layout names {entry.path}: not in the tree"
        stale = {Path(n).name for n in re.findall(r"[\w/.-]+\.py\b", entry.says)} - ours
        assert not stale, f"the layout's words on {entry.path} name files that do not exist: {sorted(stale)}"


def test_the_development_layout_lists_every_page_of_docs():
    pages = {e.path for e in layout_entries() if e.path.startswith("docs/")}
    found = {f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")}
    assert pages == found, f"the layout's docs/ omits {sorted(found - pages)}, names {sorted(pages - found)}"


def test_the_development_layout_lists_every_preset():
    from bench.instrument.presets import PRESETS

    (says,) = [e.says for e in layout_entries() if e.path == "bench/instrument/presets.py"]
    listed = re.search(r"\(([\w, -]+)\)", says)
    assert listed and set(listed.group(1).replace(",", " ").split()) == set(PRESETS), says


def test_the_development_layout_lists_every_marker():
    pytest_options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    markers = {m.split(":")[0] for m in pytest_options["markers"]}
    (says,) = [e.says for e in layout_entries() if e.path == "tests"]
    listed = re.search(r"markers: ([\w, ]+)", says)
    assert listed and set(listed.group(1).replace(",", " ").split()) == markers, says


def test_the_tests_are_laid_out_as_the_code_and_no_two_test_files_share_a_name():
    """A folder of tests/ for servers/ and for each folder of bench/ (and commands/ for the pages'
    commands), each a package; make test orders files by their names alone (tests/conftest.py),
    so no name is used twice, and each it names is a file's."""
    from tests.conftest import LONGEST_FIRST, READS_THE_SMOKE_RUN

    for folder in folders_under("tests"):
        assert (ROOT / folder / "__init__.py").is_file(), f"{folder} is a package (tests import tests.*)"
        mirrored = folder.removeprefix("tests/")
        code = mirrored if mirrored.split("/")[0] == "servers" else f"bench/{mirrored}"
        assert mirrored == "commands" or (ROOT / code).is_dir(), f"{folder} stands for no folder of the code"
    names = [p.name for p in (ROOT / "tests").rglob("test_*.py")]
    assert len(names) == len(set(names)), f"test files of one name: {sorted({n for n in names if names.count(n) > 1})}"
    assert set(LONGEST_FIRST) | set(READS_THE_SMOKE_RUN) <= set(names)


def test_the_servers_page_s_table_of_servers_is_the_hosting_table():
    from servers import hosting

    text = (ROOT / "docs" / "servers.md").read_text()
    table = text[text.index("| server (`--server`) | hosts |") :].split("\n\n", 1)[0]
    rows = {
        m.group(1): (m.group(2).split(", "), m.group(3))
        for m in re.finditer(r"^\| `([\w-]+)` \| ([\w, ]+) \| [^|]+ \|\s*([^|]*?)\s*\|$", table, re.M)
    }
    assert sorted(rows) == sorted(hosting.SERVERS), "docs/servers.md lists every server of servers/hosting.py, no other"
    for name, (hosts, takes) in rows.items():
        server = hosting.SERVERS[name]
        assert tuple(hosts) == server.frameworks, name
        assert ("--workers" in takes) == server.takes_workers and ("--threads" in takes) == server.takes_threads, name


def test_the_servers_page_s_table_of_frameworks_is_the_registry():
    from servers import frameworks

    text = (ROOT / "docs" / "servers.md").read_text()
    table = text[text.index("| framework | interface |") :].split("\n\n", 1)[0]
    rows = {
        m.group(1): m.groups()[1:]
        for m in re.finditer(r"^\| `(\w+)` \| (\w+) \| (\w+) \| [^|]+ \| `([\w-]+)`, port (\d+) \|$", table, re.M)
    }
    assert list(rows) == list(frameworks.FRAMEWORKS), "docs/servers.md lists every framework of the registry, in order"
    for name, (interface, native, server, port) in rows.items():
        f = frameworks.get(name)
        assert (interface.lower(), native, server, int(port)) == (
            f.interface,
            f.native_endpoint,
            f.default_server,
            f.default_port,
        ), name


def test_a_framework_is_one_glue_module_and_one_registry_entry_that_the_rest_picks_up():
    """Every entry of the registry has its glue module, and everything that names frameworks
    takes them from the registry: bench's command line, the panel, the palette, the blocking
    probe, the sweep, the presets' framework x server grid and the tests' shared servers."""
    from bench.frontends.cli import parser as bench_parser
    from bench.instrument import presets
    from bench.instrument.load import blocking, load_presets, sweep
    from bench.presentation import palette
    from servers import frameworks

    for f in frameworks.REGISTRY.values():
        assert (ROOT / (f.module.replace(".", "/") + ".py")).exists(), f.module
        assert f.name in palette.COLORS
        assert {c.framework for c in blocking.CASES} >= {f.name}
        assert f.name in {c.framework for c in load_presets.get("quick").probe_cases}
        assert f.name in {s.framework for s in sweep.SETUPS}
        assert f.name in presets.FRAMEWORK_SERVER.frameworks and len(load_presets.probe_cases((f.name,))) == 3
        assert bench_parser().parse_args(["external", "--framework", f.name]).framework == f.name


def notebook_imports(path: Path) -> list[str]:
    """Each import of a notebook's code cells, one line each as ``from M import a, b`` or
    ``import M`` (parsed, so that an import over several lines is one; IPython's ``%`` and ``!``
    lines left out)."""
    found = []
    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        python = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
        for node in ast.walk(ast.parse(python)):
            if isinstance(node, ast.ImportFrom):
                found.append(
                    f"from {'.' * node.level}{node.module or ''} import {', '.join(a.name for a in node.names)}"
                )
            elif isinstance(node, ast.Import):
                found.append(f"import {', '.join(a.name for a in node.names)}")
    return found


def test_the_notebooks_import_only_the_public_surface():
    import bench

    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for line in notebook_imports(path):
            if re.match(r"(from|import)\s+bench\b", line):
                found = re.fullmatch(r"from bench import ([\w, ]+)", line)
                assert found, f"{path.name}: {line!r} (import from bench's surface: from bench import ...)"
                names = {n.strip() for n in found.group(1).split(",")}
                assert names <= set(bench.__all__), f"{path.name} imports {sorted(names - set(bench.__all__))}"


def test_every_public_name_is_defined_and_every_floor_names_its_surface():
    import bench

    assert all(hasattr(bench, name) for name in bench.__all__)
    for name, path in bench_modules().items():
        if not name.endswith("__init__"):
            continue
        package = importlib.import_module(name.removesuffix(".__init__"))
        assert package.__doc__, f"{name} says what its floor holds"
        for public in getattr(package, "__all__", ()):
            assert hasattr(package, public), f"{name} names {public} and has none"
            if (path.parent / f"{public}.py").exists():  # a function of the same name would hide the module
                assert inspect.ismodule(getattr(package, public)), f"{name}'s {public} hides the module {public}.py"


def _sources() -> dict[Path, str]:
    """Every file that may call bench: its Python (bench, servers, tests, scripts), the
    notebooks' code and the documents that name functions."""
    found = {
        p: p.read_text() for d in ("bench", "servers", "tests", "loadtest", "scripts") for p in (ROOT / d).rglob("*.py")
    }
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        found[nb] = "\n".join("".join(c["source"]) for c in json.loads(nb.read_text())["cells"])
    return found | {p: p.read_text() for p in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]}


def test_a_function_no_other_file_calls_is_private():
    """A module's public functions are what other modules, the tests, the notebooks or the
    documents call; a helper used only where it is defined starts with an underscore."""
    sources = _sources()
    imported = {
        (node.module, a.name)
        for p, text in sources.items()
        if p.suffix == ".py"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.ImportFrom) and node.module
        for a in node.names
    }
    unused = []
    for module, path in bench_modules().items():
        if module.endswith("__init__") or module in TOP:
            continue
        for node in ast.parse(path.read_text()).body:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.name.startswith("_"):
                continue
            name, base = node.name, module.rsplit(".", 1)[1]
            named = re.compile(rf"\b(?:{re.escape(module)}|{base}|\w+)\.{name}\b|\b{base}, \"{name}\"")
            called = (module, name) in imported or any(
                named.search(text) and base in text for p, text in sources.items() if p != path
            )
            if not called and name != "main":
                unused.append(f"{module}.{name}")
    assert not unused, f"public functions no other file calls (give them an underscore): {unused}"


#: The most lines a module may have, and an article section's module (a module a section).
MOST_LINES, MOST_ARTICLE_LINES = 500, 350


def test_no_module_is_a_book():
    too_long = {
        str(p.relative_to(ROOT)): n
        for d in ("bench", "servers")
        for p in sorted((ROOT / d).rglob("*.py"))
        if (n := len(p.read_text().splitlines()))
        > (MOST_ARTICLE_LINES if "presentation/article" in p.as_posix() else MOST_LINES)
    }
    assert not too_long, f"modules over {MOST_LINES} lines (an article module over {MOST_ARTICLE_LINES}): {too_long}"
