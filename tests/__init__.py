"""The tests, laid out as the code is: ``servers/`` for the servers, a folder for each of
bench's floors (``vocabulary/``, ``instrument/`` with ``load/``, ``analysis/`` with
``families/``, ``presentation/``, ``frontends/``), ``commands/`` for every command the pages
show; here, the house's own tests and the helpers the others share."""

from pathlib import Path

#: The repository: every test that reads a file of the checkout starts from here.
ROOT = Path(__file__).resolve().parent.parent
