"""Output does not depend on the number of worker processes."""
from pathlib import Path

from flows.pipeline.run_flow import run
from flows.settings import Settings
from tests.corpus_paths import HTML_PATH, PDF_DIR

DOCUMENTS = [PDF_DIR / "IF10753.6.pdf", PDF_DIR / "IN12682.2.pdf", PDF_DIR / "R48917.2.pdf", HTML_PATH]


def published_files(processed: Path) -> dict[str, bytes]:
    """Every dataset file of every edition; manifests carry a creation time and are left out."""
    return {
        str(p.relative_to(processed)): p.read_bytes()
        for p in sorted(processed.glob("*/*/*.csv"))
    }


def test_one_and_two_workers_publish_identical_datasets(tmp_path):
    one = run(DOCUMENTS, Settings(data_dir=tmp_path / "one", workers=1))
    two = run(DOCUMENTS, Settings(data_dir=tmp_path / "two", workers=2))
    assert one.count("published") == two.count("published") == len(DOCUMENTS)
    files_one = published_files(tmp_path / "one" / "processed")
    files_two = published_files(tmp_path / "two" / "processed")
    assert len(files_one) >= 12 * len(DOCUMENTS)
    assert files_one.keys() == files_two.keys()
    different = [name for name in files_one if files_one[name] != files_two[name]]
    assert different == []
