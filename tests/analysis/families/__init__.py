"""The tests of bench/analysis/families/: each family of figures on made-up trials and on a run."""
