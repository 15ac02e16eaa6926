"""The send journal: what a worker handed over, readable by whoever takes over its claims."""

from pathlib import Path

from services.notify import journal
from services.notify.journal import SendJournal


def test_a_hand_over_is_on_disk_at_once_for_any_other_worker_to_read(tmp_path: Path) -> None:
    mine = SendJournal(tmp_path, "worker-a")
    mine.open()
    mine.note("n1")
    mine.note("n2", "SM123")  # an SMS: the provider's id comes along for the record
    reader = SendJournal(tmp_path, "worker-b")
    assert reader.sent_by("worker-a", "n1") == (True, None)
    assert reader.sent_by("worker-a", "n2") == (True, "SM123")
    assert reader.sent_by("worker-a", "n3") == (False, None)
    assert reader.sent_by("never-was", "n1") == (False, None)


def test_a_long_journal_keeps_only_what_the_store_has_not_recorded(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(journal, "ROTATE_BYTES", 100)
    mine = SendJournal(tmp_path, "worker-a")
    mine.open()
    for n in range(20):
        mine.note(f"n{n}")
    for n in range(19):
        mine.recorded(f"n{n}")
    kept = (tmp_path / "worker-a.sent").read_text().splitlines()
    assert "n0 -" not in kept and "n19 -" in kept and len("\n".join(kept)) <= 100
    mine.note("n20")
    assert mine.sent_by("worker-a", "n19") == (True, None)
    assert mine.sent_by("worker-a", "n20") == (True, None)
    assert mine.sent_by("worker-a", "n0") == (False, None)


def test_a_worker_that_stops_cleanly_leaves_no_journal(tmp_path: Path) -> None:
    mine = SendJournal(tmp_path, "worker-a")
    mine.open()
    mine.note("n1")
    mine.recorded("n1")
    mine.close()
    assert list(tmp_path.iterdir()) == []


def test_a_journal_swept_while_its_worker_sat_idle_is_made_again(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(journal, "CHECK_SECONDS", 0.0)
    mine = SendJournal(tmp_path, "worker-a")
    mine.open()
    (tmp_path / "worker-a.sent").unlink()  # another worker's start took it for a dead one's
    mine.note("n1")
    assert SendJournal(tmp_path, "worker-b").sent_by("worker-a", "n1") == (True, None)
