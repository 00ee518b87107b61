"""nbstripout as this clone's git filter runs it (see the Makefile's notebook-filter), less
two seconds: jsonschema, which nbformat imports, checks the "iri" format with rfc3987_syntax
where that is installed, and rfc3987_syntax builds a parser as it is imported, in every call of
the filter (each ``git status`` or ``git diff`` that looks at a changed notebook). No notebook
schema has an IRI; without the module jsonschema leaves that one format unchecked."""

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # None: "cannot be imported"

from nbstripout._nbstripout import main  # noqa: E402 -- after the line above, by design

if __name__ == "__main__":
    sys.exit(main())
