"""Where the copied real CRS corpus lives (tests/fixtures is a copy of ../shared)."""
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS = FIXTURES / "corpus"
GOLD_PATH = FIXTURES / "gold" / "IF10199_2024-11-05.json"
SEED_PATH = CORPUS / "seed" / "000_39220ff0260b3963.txt"
HTML_PATH = CORPUS / "html" / "IF10199v49-2026-10-01.html"
PDF_DIR = CORPUS / "pdf"
MARKDOWN_DIR = CORPUS / "markdown"
