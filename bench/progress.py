"""Progress bars that exist only when asked for.

``tqdm(disable=True)`` still starts tqdm's monitor thread, which then outlives the bar;
:func:`bar` makes no tqdm object at all when progress is off. ``"lines"`` prints a line now
and then instead, to the process's own standard error: a notebook executed by papermill
shows it in the terminal that runs ``make article``, where a notebook's bar would not show.
"""

from __future__ import annotations

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
        stream = sys.__stderr__ or sys.stderr
        print(line + (f" ({self.postfix})" if self.postfix else ""), file=stream, flush=True)


def bar(show: Progress, **kwargs: Any) -> Any:
    """A tqdm bar (``tqdm.auto``: a widget in notebooks) if ``show`` is True, lines if it is
    "lines", else a silent stand-in."""
    if show == "lines":
        return _Lines(**kwargs)
    if not show:
        return _Silent(**kwargs)
    from tqdm.auto import tqdm

    return tqdm(**kwargs)
