"""The tests of bench/vocabulary/: the records, configurations and statistics every floor speaks."""
