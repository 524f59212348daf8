"""Knowledge-base files (CSV/TSV) for `voxdesk kb import` and `voxdesk analyze --kb`."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.assist import kb_file
from qa.assist.exceptions import KbFileError
from qa.assist.kb_file import parse_kb_text, read_kb_file


def test_csv_with_quoted_commas_and_a_language_column(tmp_path: Path) -> None:
    path = tmp_path / "kb.csv"
    path.write_text(
        'key,title,body,language\nrefund,Refunds,"Within 30 days, to your card",en\n'
        "refund-zh,退款,30天内退款,zh\n",
        encoding="utf-8",
    )
    entries = read_kb_file(path)
    assert [(e.key, e.language) for e in entries] == [("refund", "en"), ("refund-zh", "zh")]
    assert entries[0].body == "Within 30 days, to your card"


def test_tsv_by_extension_and_by_sniffing_and_language_defaults_to_english(tmp_path: Path) -> None:
    for name in ("kb.tsv", "kb.txt"):
        path = tmp_path / name
        path.write_text("\ufeffKey\tTitle\tBody\nhours\tOpening hours\tMon-Fri, 8 to 8\n", encoding="utf-8")
        [entry] = read_kb_file(path)
        assert (entry.key, entry.body, entry.language) == ("hours", "Mon-Fri, 8 to 8", "en")


def test_a_bad_header_is_refused_with_its_line() -> None:
    with pytest.raises(KbFileError, match="line 1: the header must be key, title, body"):
        parse_kb_text("id,title,text\n1,a,b\n")
    with pytest.raises(KbFileError, match="empty"):
        parse_kb_text("")


def test_every_bad_row_is_reported_with_its_line() -> None:
    text = (
        "key,title,body,language\nbad key!,T,B,en\nok,,B,en\nok2,T,B,english\nok3,T,B\n"
        "ok4,T,B,en\nok4,T,B,en\n"
    )
    with pytest.raises(KbFileError) as error:
        parse_kb_text(text)
    problems = error.value.problems
    assert [p.split(":")[0] for p in problems] == ["line 2", "line 3", "line 4", "line 5", "line 7"]
    assert "already used on line 6" in problems[-1]
    assert error.value.public_detail()["problems"] == list(problems)  # type: ignore[index]


def test_an_oversized_or_non_utf8_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "kb.csv"
    path.write_bytes(b"key,title,body\nk,t,\xff\n")
    with pytest.raises(KbFileError, match="not UTF-8"):
        read_kb_file(path)
    monkeypatch.setattr(kb_file, "MAX_FILE_BYTES", 10)
    with pytest.raises(KbFileError, match="at most 10"):
        read_kb_file(path)
    with pytest.raises(KbFileError, match="No such file"):
        read_kb_file(tmp_path / "missing.csv")
