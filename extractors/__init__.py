"""Pure extraction stages: a parsed document in, records out. No file or network I/O here."""
