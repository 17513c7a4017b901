"""Hostile inputs made from real corpus files, shared by tests/test_hostile_inputs.py and
benchmarks/hostile_inputs.py."""
from __future__ import annotations

import random
from pathlib import Path

from tests.corpus_paths import FIXTURES, MARKDOWN_DIR, PDF_DIR, SEED_PATH

FLATE_BOMB = FIXTURES / "bad" / "flate-bomb.pdf"   # made by tests/fixtures/bad/make_flate_bomb.py
JUNK_KINDS = ("random bytes", "empty", "HTML that is not CRS", "PDF cut short", "text without a report number")


def junk_files(folder: Path, count: int, seed: int = 11) -> Path:
    """`count` files of the kinds a careless or hostile user drops, in turn: random bytes, empty,
    HTML that is not CRS, a real PDF cut short, real text without a report number."""
    rng = random.Random(seed)
    pdf = (PDF_DIR / "IF10753.6.pdf").read_bytes()
    text = SEED_PATH.read_text(encoding="utf-8")
    makers = [
        lambda i: (f"random-{i}.bin", rng.randbytes(rng.randint(1, 4096))),
        lambda i: (f"empty-{i}.txt", b""),
        lambda i: (f"page-{i}.html", f"<html><body><h1>Page {i}</h1><p>Not a report.</p></body></html>".encode()),
        lambda i: (f"cut-{i}.pdf", pdf[: rng.randint(100, len(pdf) - 2000)]),
        lambda i: (f"notes-{i}.txt", text[: rng.randint(200, len(text))].encode()),
    ]
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        name, data = makers[i % len(makers)](i)
        (folder / name).write_bytes(data)
    return folder


def long_line_markdown(path: Path, size: int) -> Path:
    """A real markdown rendering (IF13199) whose body paragraphs, repeated, make one line of
    `size` characters after its metadata header and web preamble (kept as they are)."""
    source = (MARKDOWN_DIR / "IF13199v1-section-122-of-the-trade-act-of-1974.md").read_text(encoding="utf-8")
    listen = source.index("\n[Listen]")
    body_start = source.index("\n", listen + 1) + 1
    header, body = source[:body_start], source[body_start:]
    line = " ".join(
        p.strip().replace("\n", " ") for p in body.split("\n\n")
        if p.strip() and not p.lstrip().startswith(("|", "#", "!", "["))
    )
    repeated = (line + " ") * (size // len(line) + 1)
    path.write_text(header + "\n" + repeated[:size].rstrip() + "\n", encoding="utf-8")
    return path
