"""Agent-assist accuracy and speed on the test set: top-1/top-3 per language, ms per question.

    PYTHONPATH=. python bench/qa_assist.py [--kb tests/data/qa/kb_articles.csv]
        [--questions tests/data/qa/assist_questions.yaml] [--misses]

Prints one JSON object. The questions file lists each question with the article an agent would
open; ``cross: true`` marks questions only another language's article answers.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import yaml

from qa.assist.kb_file import read_kb_file
from qa.assist.ranker import KbRanker
from qa.faqbot import FaqBot
from qa.language import detect_language

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_KB = ROOT / "tests/data/qa/kb_articles.csv"
DEFAULT_QUESTIONS = ROOT / "tests/data/qa/assist_questions.yaml"


def evaluate(ranker: KbRanker, questions: list[dict[str, Any]]) -> dict[str, Any]:
    """Top-1/top-3 overall, per language and for cross-language questions, plus the misses."""
    groups: dict[str, list[tuple[bool, bool]]] = {"all": [], "en": [], "zh": [], "cross": []}
    misses: list[dict[str, Any]] = []
    timings: list[float] = []
    for question in questions:
        started = time.perf_counter()
        top = ranker.suggest(question["text"], k=3)
        timings.append((time.perf_counter() - started) * 1000)
        keys = [s.article_key for s in top]
        hit = (bool(keys) and keys[0] == question["expect"], question["expect"] in keys)
        groups["all"].append(hit)
        groups[detect_language(question["text"])].append(hit)
        if question.get("cross"):
            groups["cross"].append(hit)
        if not hit[0]:
            misses.append(
                {
                    "text": question["text"],
                    "expect": question["expect"],
                    "got": keys,
                    "scores": [s.score for s in top],
                }
            )
    result: dict[str, Any] = {}
    for name, hits in groups.items():
        if hits:
            result[name] = {
                "questions": len(hits),
                "top1": round(sum(h[0] for h in hits) / len(hits), 4),
                "top3": round(sum(h[1] for h in hits) / len(hits), 4),
            }
    result["ms_per_query"] = {
        "p50": round(statistics.median(timings), 2),
        "p95": round(sorted(timings)[int(0.95 * (len(timings) - 1))], 2),
    }
    result["misses"] = misses
    return result


def bot_figures(ranker: KbRanker, questions: list[dict[str, Any]], off_topic: list[str]) -> dict[str, Any]:
    """The FAQ bot on each question as a chat's first message: how often it answers, how often wrongly,
    and whether off-topic questions are handed over."""
    bot = FaqBot(ranker)
    kinds: dict[str, int] = {}
    wrong = 0
    for question in questions:
        reply = bot.answer(question["text"], [])
        kind = reply.kind if reply else "silent"
        kinds[kind] = kinds.get(kind, 0) + 1
        wrong += kind == "answer" and reply is not None and reply.article_key != question["expect"]
    handed = sum(1 for text in off_topic if (r := bot.answer(text, [])) is not None and r.kind == "handover")
    return {
        "first_message_replies": kinds,
        "wrong_answers": wrong,
        "off_topic_handed_over": f"{handed}/{len(off_topic)}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kb", default=str(DEFAULT_KB))
    parser.add_argument("--questions", default=str(DEFAULT_QUESTIONS))
    parser.add_argument("--misses", action="store_true", help="list the questions ranked wrong")
    args = parser.parse_args()
    entries = read_kb_file(args.kb)
    data = yaml.safe_load(Path(args.questions).read_text(encoding="utf-8"))
    questions = data["questions"]
    started = time.perf_counter()
    ranker = KbRanker(entries)
    build_ms = (time.perf_counter() - started) * 1000
    result = evaluate(ranker, questions)
    if not args.misses:
        result["misses"] = len(result["misses"])
    result["faq_bot"] = bot_figures(ranker, questions, data.get("off_topic", []))
    result["articles"] = len(entries)
    result["index_build_ms"] = round(build_ms)
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
