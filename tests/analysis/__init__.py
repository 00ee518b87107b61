"""The tests of bench/analysis/: tables, figures, claims, agreement and variance."""
