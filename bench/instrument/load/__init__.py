"""Many clients at once, measured: the load client's instrument parts.

- :mod:`~bench.instrument.load.http_client`: a light HTTP/1.1 client, every client on one event loop;
- :mod:`~bench.instrument.load.loops`: closed-loop and open-loop clients, the blocking probe, summaries;
- :mod:`~bench.instrument.load.blocking`: the probe for every framework, endpoint style and strategy;
- :mod:`~bench.instrument.load.sweep`: production servers under more and more clients, and overload;
- :mod:`~bench.instrument.load.load_presets`: the named load runs;
- :mod:`~bench.instrument.load.load_store`: a load run's requests.csv and summary.csv;
- :mod:`~bench.instrument.load.url_load`: any URL under the same loops and probe (``bench load --url``);
- :mod:`~bench.instrument.load.external`: wrk and Locust on the same servers, read into bench's columns.

``python -m bench load`` runs them (:mod:`bench.frontends.load_runner`); their figures and
verdicts are :mod:`bench.presentation.load_plots` and :mod:`bench.presentation.load_report`.
"""
