"""The tests of bench/presentation/: the report, the article, the figures' drawing."""
