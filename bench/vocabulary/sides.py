"""The sides a comparison sets against each other: one server configuration of the article's
gather in process mode (:class:`Side`), and the server families a framework can run behind.

A family other than a framework's own is a server variant (:data:`servers.harness.VARIANTS`):
:func:`variant` names it for a framework, :func:`side` makes the configuration.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from servers import harness

#: The columns :meth:`Side.of` selects on.
SIDE_COLUMNS = ("framework", "endpoint", "variant")


@dataclass(frozen=True)
class Side:
    """One server configuration of the controlled comparisons (process mode, article's gather)."""

    label: str
    framework: str
    endpoint: str
    variant: str = ""

    def of(self, ok: pd.DataFrame) -> pd.DataFrame:
        """This configuration's trials among ``ok``."""
        return ok[
            (ok["framework"] == self.framework) & (ok["endpoint"] == self.endpoint) & (ok["variant"] == self.variant)
        ]


#: The server families, in the order of the figure.
FAMILIES: tuple[str, ...] = ("own", "gunicorn", "granian")
#: What each family is for a WSGI and an ASGI framework: the variant ("" = its own server).
FAMILY_VARIANT: dict[str, dict[str, str]] = {
    "own": {"wsgi": "", "asgi": ""},
    "gunicorn": {"wsgi": "gunicorn-sync", "asgi": "gunicorn-asgi"},
    "granian": {"wsgi": "granian", "asgi": "granian"},
}


def variant(framework: str, family: str) -> str:
    """The server variant that puts ``framework`` behind ``family``."""
    return FAMILY_VARIANT[family][harness.framework(framework).interface]


def server_of(framework: str, family: str) -> str:
    """The HTTP server ``framework`` runs on behind ``family``."""
    return harness.ServerOptions.build(framework, "process", variant=variant(framework, family)).server


def side(framework: str, family: str) -> Side:
    """The configuration of ``framework`` behind ``family``: its native endpoint, the gather."""
    label = f"{harness.framework(framework).label} on {server_of(framework, family)}"
    return Side(label, framework, harness.NATIVE_ENDPOINT[framework], variant(framework, family))
