"""Prefect settings this project needs wherever it runs; import before prefect."""
import os

# Telemetry would try to reach the network, which is closed here and is none of its business anyway.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
# Run and task logs at INFO reach the Prefect API (the UI shows each document's outcome and the run's
# summary); the terminal shows only warnings, because crsdata prints its own one line per document.
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
