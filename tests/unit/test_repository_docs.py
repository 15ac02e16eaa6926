"""The repository explains itself: no comment points at documents outside it, and the
feature IDs the code cites are listed in docs/features.md."""

import re
from pathlib import Path

from tests.support.repo import ROOT, repository_files

OUTSIDE = re.compile(
    "|".join(
        [
            r"\b(?:FEATURES|DESIGN|INFRA)(?:\.md)?\b",
            r"\.\./shared\b",
            r"\bshared/(?:reference|FEATURES|DESIGN|INFRA)",
            r"\b[Ii]ssues? #?\d+",
            r"\bissues/\d+",
        ]
    )
)
FEATURE_IDS = [f"A{n}" for n in range(1, 5)] + [f"S{n}" for n in range(1, 19)]
FEATURE_IDS += [f"D{n}" for n in range(1, 6)] + [f"G{n}" for n in range(1, 8)]
FEATURE_IDS += [f"B{n}" for n in range(1, 6)]


def test_no_file_points_at_documents_outside_the_repository() -> None:
    pointers = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in repository_files(skip=[Path(__file__)])
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert pointers == []


def test_the_pointer_check_catches_what_it_should() -> None:
    for line in (
        "see FEATURES.md",
        '(DESIGN "The bus")',
        "INFRA.md says",
        "../shared/x",
        "issue 2, §4",
        "fixes issue #12",
    ):
        assert OUTSIDE.search(line), line
    for line in ("re-issued by the CA", "the certificate issuer", "issues a token", "S13"):
        assert not OUTSIDE.search(line), line


def test_docs_features_lists_every_feature_id_once() -> None:
    listed = re.findall(r"^\| ([ASDGB]\d+) \|", (ROOT / "docs/features.md").read_text(), re.M)
    assert listed == FEATURE_IDS


def test_the_feature_ids_tests_cite_exist() -> None:
    cited = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        cited |= set(re.findall(r"\(([ASDGB]\d{1,2})[,)]", path.read_text()))
    assert cited <= set(FEATURE_IDS)


def test_architecture_names_every_service_and_event() -> None:
    page = (ROOT / "docs/architecture.md").read_text()
    for service in ("gateway", "document", "signing", "seal", "notify", "webhooks"):
        assert f"| {service}" in page
    for event in (
        "envelope.sent",
        "party.signed",
        "envelope.signed",
        "document.finalized",
        "envelope.completed",
        "notification.requested",
    ):
        assert f"`{event}`" in page
