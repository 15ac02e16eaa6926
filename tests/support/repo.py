"""The repository's own files, for tests that read the code as text."""

from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("services", "gateway", "deploy", "tests", "bench", ".ci")
TOP_FILES = ("run", "README.md", "pyproject.toml", "docker-compose.yml")
TEXT = frozenset({".py", ".md", ".html", ".txt", ".toml", ".yml", ".yaml", ".json", ".css", ""})


def repository_files(skip: Iterable[Path] = ()) -> list[Path]:
    """Every text file of the code, the tests, the scripts and the README."""
    skipped = {Path(p).resolve() for p in skip}
    found = [ROOT / name for name in TOP_FILES]
    for folder in FOLDERS:
        found += [
            path
            for path in sorted((ROOT / folder).rglob("*"))
            if path.is_file() and path.suffix in TEXT and "__pycache__" not in path.parts
        ]
    return [path for path in found if path.resolve() not in skipped]
