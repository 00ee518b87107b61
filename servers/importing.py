"""Something of the user's named ``MODULE:ATTRIBUTE``, imported as uvicorn and gunicorn import
an app: the module from the current directory first (as ``python -m`` puts it on the path),
then the attribute, dotted names followed (``module:holder.app``).

:func:`load` fails with a :class:`SpecError` of one line for each way it can: a spec that is
not ``MODULE:ATTRIBUTE``, no such module, a module that raised while it was imported (its
exception named), no such attribute (:class:`NoAttribute`, which names the module it looked in).
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any


class SpecError(ValueError):
    """A ``MODULE:ATTRIBUTE`` that cannot be loaded; the message is one line saying why."""


class NoAttribute(SpecError):
    """The module was imported and has no such attribute; ``module`` is its name."""

    def __init__(self, message: str, module: str) -> None:
        super().__init__(message)
        self.module = module


def _split(spec: str, *, example: str) -> tuple[str, str]:
    """``(module, attribute)`` of ``spec``; a SpecError showing ``example`` when it is not
    ``MODULE:ATTRIBUTE``."""
    module, colon, attribute = spec.partition(":")
    if not colon or not module.strip() or not attribute.strip() or ":" in attribute:
        raise SpecError(f"{spec!r} is not MODULE:ATTRIBUTE (for example: {example})")
    return module.strip(), attribute.strip()


def load(spec: str, *, example: str) -> Any:
    """The object ``spec`` names, its module imported from the current directory first."""
    module_name, attribute = _split(spec, example=example)
    here = os.getcwd()
    if "" not in sys.path and here not in sys.path:
        sys.path.insert(0, here)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name and (module_name == e.name or module_name.startswith(e.name + ".")):
            raise SpecError(
                f"no module named {e.name!r} (from {spec!r}), neither in {here} nor among the installed packages"
            ) from None
        raise SpecError(f"importing {module_name!r} failed: {_one_line(e)}") from None
    except Exception as e:  # noqa: BLE001 -- the user's module raised: say what, in one line
        raise SpecError(f"importing {module_name!r} failed: {_one_line(e)}") from None
    found: Any = module
    for part in attribute.split("."):
        if not hasattr(found, part):
            raise NoAttribute(f"module {module_name!r} has no attribute {attribute!r}", module_name)
        found = getattr(found, part)
    return found


def _one_line(e: BaseException) -> str:
    """``Type: message``, the message's first line."""
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[0]}" if text else type(e).__name__
