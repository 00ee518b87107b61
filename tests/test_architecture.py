"""The split the layout promises: bench reaches servers through HTTP and one narrow module,
never imports a framework, and the layout in docs/development.md is the tree."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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


def test_the_readme_layout_names_every_module_and_folder():
    layout = layout_section()
    named = set(re.findall(r"[\w.-]+\.py|[\w-]+/", layout))
    modules = {p.name for d in ("servers", "bench", "bench/load") for p in (ROOT / d).glob("*.py")}
    modules -= {"__init__.py"}
    assert modules <= named, f"docs/development.md's layout omits {sorted(modules - named)}"
    ours = [p.name for d in ("servers", "bench", "loadtest", "tests", "tools") for p in (ROOT / d).rglob("*.py")]
    stale = {n for n in named if n.endswith(".py") and n not in ours}
    assert not stale, f"docs/development.md's layout names files that do not exist: {sorted(stale)}"


def test_the_readme_table_of_servers_is_the_hosting_table():
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


def test_the_readme_table_of_frameworks_is_the_registry():
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
    takes them from the registry: bench's command line, the panel, the plots, the blocking
    probe, the sweep, the presets' framework x server grid and the tests' shared servers."""
    from bench import framework_server, plots, presets
    from bench.__main__ import parser as bench_parser
    from bench.load import blocking, sweep
    from bench.load import presets as load_presets
    from servers import frameworks

    for f in frameworks.REGISTRY.values():
        assert (ROOT / (f.module.replace(".", "/") + ".py")).exists(), f.module
        assert f.name in plots.COLORS
        assert {c.framework for c in blocking.CASES} >= {f.name}
        assert f.name in {c.framework for c in load_presets.get("quick").probe_cases}
        assert f.name in {s.framework for s in sweep.SETUPS}
        assert f.name in presets.FRAMEWORK_SERVER.frameworks and len(framework_server.probe_cases((f.name,))) == 3
        assert bench_parser().parse_args(["external", "--framework", f.name]).framework == f.name
