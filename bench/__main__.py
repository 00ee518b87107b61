"""``python -m bench``: the command line (:mod:`bench.frontends.cli`)."""

import sys

from bench.frontends.cli import main

sys.exit(main())
