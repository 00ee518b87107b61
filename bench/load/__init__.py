"""Many clients at once: load loops, the blocking probe, concurrency sweeps, external tools.

- :mod:`~bench.load.loops`: closed-loop and open-loop clients, the blocking probe, summaries;
- :mod:`~bench.load.blocking`: the probe for every framework, endpoint style and strategy;
- :mod:`~bench.load.sweep`: production servers under more and more clients, and overload;
- :mod:`~bench.load.presets` and :mod:`~bench.load.runner`: ``python -m bench load``, into a run
  folder (:mod:`~bench.load.folder`: its requests.csv);
- :mod:`~bench.load.plots` and :mod:`~bench.load.report`: the probe's and the sweep's figures, a
  load run's verdicts and tables;
- :mod:`~bench.load.external`: wrk and Locust on the same servers, read into bench's columns.
"""
