"""One run: ingest inputs, extract each document in worker processes under Prefect, publish."""
