"""The search indexes on disk: their folder, batched commits, stored fields, closing."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID, uuid4

import pytest
import tantivy

from contracts.events import MessagePosted, ThreadMerged
from knowledge.adapters import text_index
from knowledge.adapters.article_index import ArticleIndex
from knowledge.adapters.text_index import INDEX_META, TextIndex
from knowledge.adapters.ticket_index import MAX_TEXT_CHARS, TicketIndex
from knowledge.settings import KnowledgeSettings
from unit.test_knowledge_similar_tickets import _submit


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("body", stored=True, tokenizer_name="en_stem")
    return builder.build()


def _committed(index: TextIndex, word: str) -> int:
    """Matches a searcher sees without `searcher()` committing first."""
    query = index.parse(word, ["body"], {"body": 1.0})
    return len(index.index.searcher().search(query, 10).hits)


def _hits(index: TextIndex, word: str) -> list[str]:
    searcher = index.searcher()
    query = index.parse(word, ["body"], {"body": 1.0})
    found = searcher.search(query, 10, count=False).hits
    return sorted(str(searcher.doc(address).get_first("id")) for _, address in found)


def test_the_index_lives_in_its_folder_and_an_earlier_index_there_is_replaced(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "articles"
    first = TextIndex(_schema(), "id", folder)
    first.put("a", {"body": "kettle descaling"}, new=True)
    assert _hits(first, "kettle") == ["a"]
    assert (folder / INDEX_META).is_file()
    first.close()
    assert folder.is_dir()  # a given folder stays after close

    # The next start rebuilds from the log: nothing of the last run's index is found.
    again = TextIndex(_schema(), "id", folder)
    assert _hits(again, "kettle") == []
    again.put("b", {"body": "kettle lid"}, new=True)
    assert _hits(again, "kettle") == ["b"]
    again.close()


def test_a_folder_holding_other_files_is_refused_and_kept(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="not a search index"):
        TextIndex(_schema(), "id", tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_without_a_folder_a_temporary_one_is_used_and_removed_on_close() -> None:
    index = TextIndex(_schema(), "id")
    folder = index.folder
    index.put("a", {"body": "toaster"}, new=True)
    assert _hits(index, "toaster") == ["a"]
    assert (folder / INDEX_META).is_file()
    index.close()
    assert not folder.exists()


def test_replacing_and_removing_by_key(tmp_path: Path) -> None:
    index = TextIndex(_schema(), "id", tmp_path / "i")
    index.put("a", {"body": "blue kettle"}, new=True)
    index.put("b", {"body": "blue toaster"}, new=True)
    index.put("a", {"body": "red kettle"})
    assert _hits(index, "blue") == ["b"]
    assert _hits(index, "red") == ["a"]
    index.remove("b")
    assert _hits(index, "blue") == []
    index.close()


def test_writes_are_committed_in_batches_without_a_search(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(text_index, "BATCH_WRITES", 3)
    index = TextIndex(_schema(), "id", tmp_path / "i")
    for key in ("a", "b"):
        index.put(key, {"body": "kettle"}, new=True)
    assert _committed(index, "kettle") == 0
    index.put("c", {"body": "kettle"}, new=True)  # the third write: a batch
    assert _committed(index, "kettle") == 3


def test_a_batch_is_also_committed_after_enough_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(text_index, "BATCH_CHARS", 10)
    index = TextIndex(_schema(), "id", tmp_path / "i")
    index.put("a", {"body": "kettle"}, new=True)
    assert _committed(index, "kettle") == 0
    index.put("b", {"body": "kettle with a long description"}, new=True)
    assert _committed(index, "kettle") == 2


def test_stored_fields_before_and_after_a_commit(tmp_path: Path) -> None:
    index = TextIndex(_schema(), "id", tmp_path / "i", lookups=True)
    index.put("a", {"body": "first words"}, new=True)
    assert index.stored("a") == {"id": "a", "body": "first words"}  # not committed yet
    index.commit()
    assert index.stored("a") == {"id": "a", "body": "first words"}  # read from the index
    index.put("a", {"body": "second words"})
    assert index.stored("a") == {"id": "a", "body": "second words"}
    index.remove("a")
    assert index.stored("a") is None
    index.commit()
    assert index.stored("a") is None
    assert index.stored("never") is None


def test_stored_fields_need_lookups(tmp_path: Path) -> None:
    index = TextIndex(_schema(), "id", tmp_path / "i")
    with pytest.raises(RuntimeError):
        index.stored("a")


def _post(index: TicketIndex, ticket_id: UUID, message: str) -> None:
    index.fold(
        ticket_id,
        MessagePosted(message_id=uuid4(), author="customer", message=message, channel="web"),
    )


def test_a_message_after_a_commit_is_added_to_the_stored_text(tmp_path: Path) -> None:
    index = TicketIndex(tmp_path / "tickets")
    first = _submit(index, "DVK-1", "Order question", "Where is my parcel?")
    asking = _submit(index, "DVK-2", "Kettle whistles", "My kettle whistles loudly.")
    assert index.similar(asking) == []  # a search: everything so far is committed
    # Read back from the index on disk (no copy of the text is in memory), then extended.
    _post(index, first, "Also the kettle whistles loudly.")
    _post(index, first, "It whistles at night too.")
    found = index.similar(asking)
    assert found is not None
    assert [(t.reference, t.subject, t.status) for t in found] == [
        ("DVK-1", "Order question", "new")
    ]
    # The earlier words are still there: the parcel question still matches DVK-1.
    parcel = _submit(index, "DVK-3", "Parcel missing", "Where is the parcel now?")
    assert [t.reference for t in index.similar(parcel) or []][:1] == ["DVK-1"]
    index.close()


def test_merged_threads_add_public_messages_and_text_stops_at_the_limit(tmp_path: Path) -> None:
    index = TicketIndex(tmp_path / "tickets")
    full = _submit(index, "DVK-1", "Long story", "word " * (MAX_TEXT_CHARS // 5))
    other = _submit(index, "DVK-2", "Lamp flickers", "The lamp flickers.")
    index.fold(
        other,
        ThreadMerged.model_validate(
            {
                "from_ticket_id": str(uuid4()),
                "from_reference": "DVK-9",
                "messages": [
                    {
                        "message_id": str(uuid4()),
                        "author": "agent",
                        "message": "zebra internal only",
                        "channel": "web",
                        "internal": True,
                        "posted_at": "2026-11-25T10:00:00Z",
                    },
                    {
                        "message_id": str(uuid4()),
                        "author": "customer",
                        "message": "the lamp hums as well",
                        "channel": "web",
                        "internal": False,
                        "posted_at": "2026-11-25T10:00:00Z",
                    },
                ],
            }
        ),
    )
    _post(index, full, "lamp hums")  # past the limit: not kept
    hums = _submit(index, "DVK-3", "Humming lamp", "lamp hums")
    assert [t.reference for t in index.similar(hums) or []] == ["DVK-2"]
    zebra = _submit(index, "DVK-4", "Zebra", "zebra internal only")
    assert index.similar(zebra) == []
    index.close()


def test_many_tickets_fold_across_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text_index, "BATCH_WRITES", 7)
    index = TicketIndex(tmp_path / "tickets")
    ids = [_submit(index, f"DVK-{n}", f"Printer {n}", "printer jams") for n in range(30)]
    for ticket_id in ids[:10]:
        _post(index, ticket_id, "paper tray stuck")
    assert len(index) == 30
    found = index.similar(ids[-1], limit=5)
    assert found is not None
    assert len(found) == 5
    tray = _submit(index, "DVK-tray", "Paper tray", "paper tray stuck")
    assert {t.reference for t in index.similar(tray, limit=10) or []} == {
        f"DVK-{n}" for n in range(10)
    }
    index.close()


def test_article_index_in_a_given_folder(tmp_path: Path) -> None:
    index = ArticleIndex(tmp_path / "articles")
    assert index.search("anything") == []
    assert (tmp_path / "articles" / INDEX_META).is_file()
    index.close()


def test_the_index_folder_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert KnowledgeSettings().index_dir is None
    monkeypatch.setenv("DVIKA_KNOWLEDGE_INDEX_DIR", str(tmp_path))
    assert KnowledgeSettings().index_dir == tmp_path
