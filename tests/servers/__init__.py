"""The tests of servers/: the apps, their launch and lifecycle, their options, their guards."""
