"""The tests of bench/frontends/: the command line, the runners, the explorer, the notebooks, bench docs."""
