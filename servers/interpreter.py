"""Which Python serves: its version and build, whether its GIL is on, and whether a path is a Python.

:func:`report` is what every app puts in ``/ping``'s answer and in ``/run``'s ``server``
object. It is read when the request is answered, inside the server, after the app's imports:
a free-threaded CPython (PEP 703) turns its GIL back on when it imports an extension that
does not declare support for running without it, and such a server must not be reported as
free-threaded. :func:`check_python` is how a server's ``python`` option is refused when it
names no Python that can serve.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

#: What a server says of its interpreter, in ``/ping``'s answer and ``/run``'s ``server`` object.
FIELDS: tuple[str, ...] = ("interpreter", "gil_enabled")
#: The oldest Python the project runs on (pyproject.toml's requires-python).
OLDEST = (3, 11)
#: Seconds a Python named by the ``python`` option gets to say its version.
PROBE_TIMEOUT_S = 30.0
#: The free-threaded venv ``make freethreaded`` makes in the clone, and its Python.
FREE_THREADED_PYTHON = Path(__file__).resolve().parent.parent / ".venv-ft" / "bin" / "python"
#: What the probe runs: the major and minor version, on one line.
_PROBE = "import sys; print(*sys.version_info[:2])"


def free_threading_build() -> bool:
    """Whether this CPython was built without the GIL (``--disable-gil``), whether or not the
    GIL is on now."""
    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def describe() -> str:
    """This interpreter's version and build: ``"3.13.5 free-threading"``, ``"3.11.7"``."""
    version = ".".join(str(part) for part in sys.version_info[:3])
    return f"{version} free-threading" if free_threading_build() else version


def gil_enabled() -> bool:
    """Whether the GIL is on now: ``sys._is_gil_enabled()`` where it exists (3.13+), else True."""
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    return True if is_enabled is None else bool(is_enabled())


def report() -> dict[str, Any]:
    """:data:`FIELDS`, read now: ``{"interpreter": describe(), "gil_enabled": gil_enabled()}``."""
    return dict(zip(FIELDS, (describe(), gil_enabled()), strict=True))


def free_threaded_python() -> str | None:
    """The clone's free-threaded Python (``.venv-ft/bin/python``, made by ``make
    freethreaded``) if it is there, else None."""
    return str(FREE_THREADED_PYTHON) if FREE_THREADED_PYTHON.exists() else None


def resolve(python: str) -> str:
    """``python`` as an absolute path: a bare name is looked up on PATH, a path is made absolute
    (symbolic links are kept: a venv's ``bin/python`` is a link to its base interpreter)."""
    if os.sep not in python:
        found = shutil.which(python)
        if found is None:
            raise ValueError(f"python {python!r} is not on PATH: give the path of a Python executable")
        python = found
    return os.path.abspath(python)


@functools.lru_cache(maxsize=32)
def check_python(path: str) -> str:
    """``path`` if it is an executable Python of at least :data:`OLDEST`; ValueError saying
    why otherwise. Runs it once per path and process (a cached answer after that)."""
    if not os.path.isfile(path):
        raise ValueError(f"python {path!r} " + ("is not a file" if os.path.exists(path) else "does not exist"))
    if not os.access(path, os.X_OK):
        raise ValueError(f"python {path!r} is not executable")
    try:
        done = subprocess.run(
            [path, "-I", "-c", _PROBE], capture_output=True, text=True, timeout=PROBE_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ValueError(f"python {path!r} is not a Python that runs here: {e}") from None
    words = done.stdout.split()
    if done.returncode != 0 or len(words) != 2 or not all(w.isdigit() for w in words):
        said = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no answer"]
        raise ValueError(f"python {path!r} is not a Python: asked its version, it said {said[0]!r}")
    version = (int(words[0]), int(words[1]))
    if version < OLDEST:
        oldest = ".".join(map(str, OLDEST))
        raise ValueError(f"python {path!r} is Python {version[0]}.{version[1]}; the servers need {oldest} or later")
    return path
