"""The families of figures a run cites, each making its own: the headline, the gap one change
at a time, the gap against size, each workload's best strategy, framework x server, speed-up
against n, and without the GIL. :mod:`bench.analysis.cited_figures` assembles them."""
