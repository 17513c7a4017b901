"""Prefect flows, the raw store, publishing, sources, diffs and the command line."""
__version__ = "0.1.0"
