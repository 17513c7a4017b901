"""Matching the records of two editions of one report."""
