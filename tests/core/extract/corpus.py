"""The real pages with truth files: the shared 11 (`../shared/corpus`) and the repository's
own `corpus/` (raw pages gzip-compressed, a `split` column in SOURCES.tsv).

Every shared page is a tuning page; a repository page is "tune" or "measure" as its
SOURCES.tsv row says (a page without a row is measured, so nothing is tuned on by accident).
Another corpus directory of the repository's layout can stand in for `corpus/` (while it
is being harvested elsewhere) through the CORPUS_DIR environment variable or `--corpus`.
"""

from __future__ import annotations

import csv
import gzip
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.core.extract.scoring import load_truth

REPO = Path(__file__).resolve().parents[3]
SHARED_CORPUS = REPO.parent / "shared" / "corpus"
REPO_CORPUS = REPO / "corpus"
TUNE, MEASURE = "tune", "measure"


@dataclass(frozen=True, slots=True)
class CorpusPage:
    """One saved page, its truth, which set it belongs to and which corpus holds it."""

    name: str
    body: bytes
    truth: dict[str, Any]
    split: str
    corpus: str


def repo_corpus_dir(override: str | None = None) -> Path:
    """The repository's corpus: `override`, else $CORPUS_DIR, else `<repo>/corpus`."""
    chosen = override or os.environ.get("CORPUS_DIR")
    return Path(chosen) if chosen else REPO_CORPUS


def corpus_pages(repo_dir: Path | None = None, shared_dir: Path = SHARED_CORPUS) -> list[CorpusPage]:
    """Every page with a truth file in both corpora (those absent give none), by name."""
    pages = _pages(shared_dir, "shared", {})
    repo = repo_dir if repo_dir is not None else repo_corpus_dir()
    if repo.resolve() != shared_dir.resolve():
        pages += _pages(repo, "repo", _splits(repo / "SOURCES.tsv"))
    return pages


def _pages(directory: Path, label: str, splits: dict[str, str]) -> list[CorpusPage]:
    found = []
    for path in sorted((directory / "truth").glob("*.json")):
        truth = load_truth(path)
        raw = _raw(directory / "raw", truth.get("file") or path.stem)
        if raw is None:
            continue
        body = raw.read_bytes()
        if raw.suffix == ".gz":
            body = gzip.decompress(body)
        split = TUNE if label == "shared" else splits.get(_stem(raw.name), MEASURE)
        found.append(CorpusPage(path.stem, body, truth, split, label))
    return found


def _raw(directory: Path, file: str) -> Path | None:
    stem = _stem(file)
    for candidate in (file, f"{file}.gz", f"{stem}.html", f"{stem}.html.gz"):
        if (directory / candidate).is_file():
            return directory / candidate
    return None


def _stem(file: str) -> str:
    for suffix in (".gz", ".html", ".htm", ".xml", ".txt"):
        file = file.removesuffix(suffix)
    return file


def _splits(sources: Path) -> dict[str, str]:
    if not sources.is_file():
        return {}
    with sources.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return {_stem(row.get("file") or ""): (row.get("split") or MEASURE).strip().lower()
            for row in rows}
