"""`python -m flows.cli` is `crsdata` (the tests start servers this way)."""
from flows.cli import cli

cli()
