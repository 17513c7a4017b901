"""Browsing and downloading: the SQLite database for Datasette and the static site."""
