"""Progress bars that exist only when asked for.

``tqdm(disable=True)`` still starts tqdm's monitor thread, which then outlives the bar;
:func:`bar` makes no tqdm object at all when progress is off.
"""

from __future__ import annotations

from typing import Any


class _Silent:
    """Stands in for a tqdm bar: accepts its calls, shows nothing."""

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


def bar(show: bool, **kwargs: Any) -> Any:
    """A tqdm bar (``tqdm.auto``: a widget in notebooks) if ``show``, else a silent stand-in."""
    if not show:
        return _Silent()
    from tqdm.auto import tqdm

    return tqdm(**kwargs)
