"""Progress bars that exist only when asked for.

``tqdm(disable=True)`` still starts tqdm's monitor thread, which then outlives the bar;
:func:`bar` makes no tqdm object at all when progress is off. ``"lines"`` prints a line now
and then instead, to standard error; in a Jupyter kernel to the kernel's own terminal (a copy
ipykernel keeps), so that ``make article`` shows where a long cell is, and the published
notebook does not.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, Literal

#: True: a tqdm bar; False: nothing; "lines": a line every :data:`LINE_EVERY_S` seconds.
Progress = bool | Literal["lines"]
LINE_EVERY_S = 10.0


class _Silent:
    """Stands in for a tqdm bar: accepts its calls, shows nothing."""

    def __init__(self, total: int = 0, **kwargs: Any) -> None:
        self.total = total

    def update(self, n: int = 1) -> None:
        pass

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> _Silent:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


class _Lines(_Silent):
    """A line now and then, and one at the end: what has been done of how much, and how long it took."""

    def __init__(self, total: int = 0, desc: str = "", unit: str = "step", **kwargs: Any) -> None:
        super().__init__(total)
        self.desc, self.unit, self.done, self.postfix = desc, unit, 0, ""
        self.start = self.last = time.monotonic()

    def update(self, n: int = 1) -> None:
        self.done += n
        if time.monotonic() - self.last >= LINE_EVERY_S:
            self._say()

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        self.postfix = s

    def close(self) -> None:
        self._say()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _say(self) -> None:
        self.last = time.monotonic()
        line = f"{self.desc}: {self.done}/{self.total} {self.unit}s in {self.last - self.start:.0f} s"
        text = line + (f" ({self.postfix})" if self.postfix else "") + "\n"
        terminal = getattr(sys.stderr, "_original_stdstream_copy", None)
        if isinstance(terminal, int):  # a Jupyter kernel: to its own terminal, not into the notebook
            os.write(terminal, text.encode())
        else:
            sys.stderr.write(text)
            sys.stderr.flush()


def bar(show: Progress, **kwargs: Any) -> Any:
    """A tqdm bar (``tqdm.auto``: a widget in notebooks) if ``show`` is True, lines if it is
    "lines", else a silent stand-in."""
    if show == "lines":
        return _Lines(**kwargs)
    if not show:
        return _Silent(**kwargs)
    from tqdm.auto import tqdm

    return tqdm(**kwargs)
