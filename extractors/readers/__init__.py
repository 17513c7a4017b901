"""One reader per format: bytes of a PDF, HTML page or text/markdown file in, a ParsedDocument out."""
