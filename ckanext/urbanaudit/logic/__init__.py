"""Actions and auth functions: the collector (collect.py), shared auth functions and input validators."""
