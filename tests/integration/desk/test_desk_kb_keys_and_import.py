"""Knowledge-base keys and languages, `voxdesk kb import`, and the assist corpus kept in step."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from config.db import make_engine, make_session_factory
from config.migrate import upgrade
from config.models import Role
from desk.desk_helpers import Api
from tickets.desk.outbox import DeskRuntime
from tickets.kb import services
from tickets.kb.corpus import RankerCache, load_entries
from tickets.kb.schemas import ArticleCreate, ArticleUpdate
from tickets.kb.search import search_articles
from voxdesk.cli import app

pytestmark = pytest.mark.integration

KB_FILE = Path(__file__).resolve().parents[2] / "data" / "qa" / "kb_articles.csv"


@pytest.fixture
def sqlite_factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> sessionmaker[Session]:
    url = f"sqlite:///{tmp_path / 'voxdesk.db'}"
    upgrade(url)
    monkeypatch.setenv("VOXDESK_DATABASE_URL", url)
    monkeypatch.setenv("VOXDESK_DATA_DIR", str(tmp_path))
    return make_session_factory(make_engine(url))


def test_kb_import_creates_updates_and_publishes_by_key_and_the_search_index_follows(
    sqlite_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["kb", "import", str(KB_FILE)])
    assert first.exit_code == 0, first.output
    assert "29 created, 0 updated, 0 unchanged" in first.output
    again = runner.invoke(app, ["kb", "import", str(KB_FILE)])
    assert "0 created, 0 updated, 29 unchanged" in again.output

    edited = tmp_path / "kb.tsv"
    edited.write_text(
        "key\ttitle\tbody\tlanguage\n"
        "opening-hours\tOpening hours\tWe are now open every day from 7 am to 10 pm.\ten\n"
        "new-one\t新文章\t这是一篇新文章。\tzh\n",
        encoding="utf-8",
    )
    third = runner.invoke(app, ["kb", "import", str(edited)])
    assert "1 created, 1 updated, 0 unchanged" in third.output, third.output
    with sqlite_factory() as session:
        entries = {e.key: e for e in load_entries(session)}
        assert len(entries) == 30 and entries["new-one"].language == "zh"
        assert entries["opening-hours"].body.startswith("We are now open every day")
        hits, _ = search_articles(session, "every day 10 pm")  # FTS5 triggers survived the migration
        assert [h.title for h in hits] == ["Opening hours"]
        assert search_articles(session, "新文章")[0]


def test_a_bad_kb_file_exits_2_with_every_problem_and_its_line(
    sqlite_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("key,title,body\nok,Title,Body\nbad key,Title,Body\ndup,T,B\ndup,T,B\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["kb", "import", str(bad)])
    assert result.exit_code == 2
    assert (
        "line 3: key 'bad key'" in result.output
        and "line 5: key 'dup' already used on line 4" in result.output
    )
    header = tmp_path / "header.csv"
    header.write_text("name,text\na,b\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["kb", "import", str(header)])
    assert result.exit_code == 2 and "line 1: the header must be key, title, body" in result.output
    with sqlite_factory() as session:
        assert load_entries(session) == []  # nothing half-imported


def test_the_assist_ranker_follows_published_changes(sqlite_factory: sessionmaker[Session]) -> None:
    now = [0.0]
    cache = RankerCache(sqlite_factory, check_every_s=5.0, clock=lambda: now[0])
    runtime = DeskRuntime()
    with sqlite_factory() as session:
        article = services.create_article(
            session,
            runtime,
            ArticleCreate(title="Opening hours", body="Open 8 to 8 on weekdays.", status="published"),
            "editor",
        )
        services.create_article(session, runtime, ArticleCreate(title="Refunds", body="a draft"), "editor")
    ranker = cache.get()
    assert [e.key for e in ranker.entries] == [f"article-{article.id}"]  # drafts are not suggested
    assert cache.get() is ranker
    with sqlite_factory() as session:
        services.update_article(
            session, runtime, article.id, ArticleUpdate(key="hours", language="en"), "editor"
        )
    assert cache.get() is ranker  # not looked at again within 5 s
    now[0] = 6.0
    rebuilt = cache.get()
    assert rebuilt is not ranker and rebuilt.suggest("when are you open")[0].source == "kb:hours"
    now[0] = 12.0
    assert cache.get() is rebuilt  # unchanged stamp: no rebuild


def test_editors_set_a_key_and_language_and_a_taken_or_malformed_key_is_refused(api: Api) -> None:
    editor = api.token(Role.SUPERVISOR)
    created = api.client.post(
        "/api/kb/articles",
        json={"title": "退款说明", "body": "30天内可以退款。", "key": "api-refund-zh", "language": "zh"},
        headers=editor,
    )
    assert created.status_code == 201, created.text
    assert (created.json()["key"], created.json()["language"]) == ("api-refund-zh", "zh")
    plain = api.client.post("/api/kb/articles", json={"title": "No key"}, headers=editor).json()
    assert (plain["key"], plain["language"]) == (None, "en")
    taken = api.client.post(
        "/api/kb/articles", json={"title": "Other", "key": "api-refund-zh"}, headers=editor
    )
    assert taken.status_code == 409 and "api-refund-zh" in taken.text
    moved = api.client.patch(f"/api/kb/articles/{plain['id']}", json={"key": "api-refund-zh"}, headers=editor)
    assert moved.status_code == 409
    for bad in ({"key": "has space"}, {"key": "x" * 101}, {"language": "english"}):
        answer = api.client.post("/api/kb/articles", json={"title": "T", **bad}, headers=editor)
        assert answer.status_code == 422, bad
    renamed = api.client.patch(
        f"/api/kb/articles/{plain['id']}", json={"key": "api-no-key", "language": "zh"}, headers=editor
    )
    assert renamed.status_code == 200 and renamed.json()["key"] == "api-no-key"
    agent = api.token(Role.AGENT)
    assert api.client.post("/api/kb/articles", json={"title": "x"}, headers=agent).status_code == 403


def test_articles_written_before_the_migration_get_their_language_guessed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0603")
    engine = make_engine(url)
    with engine.begin() as conn:
        for title, body in (("退款说明", "收货后30天内可以申请退款。"), ("Refunds", "Within 30 days.")):
            conn.execute(
                text(
                    "INSERT INTO kb_articles (title, body, tags, status, version, updated_by, created_at,"
                    " updated_at, search_text) VALUES (:t, :b, '[]', 'published', 1, 'x', :now, :now, '')"
                ),
                {"t": title, "b": body, "now": "2026-12-01 09:00:00"},
            )
    upgrade(url)
    with make_session_factory(engine)() as session:
        entries = load_entries(session)
    engine.dispose()
    assert [(e.title, e.language, e.key) for e in entries] == [
        ("退款说明", "zh", f"article-{entries[0].article_id}"),
        ("Refunds", "en", f"article-{entries[1].article_id}"),
    ]
