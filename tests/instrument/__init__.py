"""The tests of bench/instrument/: presets, trials, the run's lifecycle, its folders."""
