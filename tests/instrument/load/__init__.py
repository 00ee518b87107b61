"""The tests of bench/instrument/load/: many clients at once."""
