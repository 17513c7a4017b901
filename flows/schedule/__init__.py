"""Keeping the archive current: sources, one poll over them, a served schedule."""
