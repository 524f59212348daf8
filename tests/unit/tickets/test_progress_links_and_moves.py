"""Progress links carry a signed ticket id of their own purpose; one unit of work tells the customer of
its biggest move only; the message reads in the customer's language."""

from __future__ import annotations

import pytest

from tickets.channels.signing import sign_token
from tickets.desk.models import Ticket, TicketHistory
from tickets.desk.outbox import TicketMove, biggest_moves
from tickets.progress.links import (
    PROGRESS_TOKEN_PURPOSE,
    ProgressLinkError,
    issue_progress_token,
    progress_link,
    ticket_of_token,
)
from tickets.progress.notices import notice_text

SECRET = "unit-secret-for-progress-links"


def entry(history_id: int, ticket_id: int) -> TicketHistory:
    return TicketHistory(id=history_id, ticket_id=ticket_id, actor="agent", action="x", details={})


def test_the_last_task_done_that_solves_the_ticket_is_one_solved_move() -> None:
    queued = [("task_done", entry(11, 1)), ("step_done", entry(12, 1)), ("solved", entry(13, 1))]
    queued.append(("task_done", entry(14, 2)))
    assert biggest_moves(queued) == [TicketMove(1, "solved", 13), TicketMove(2, "task_done", 14)]


def test_a_progress_token_names_its_ticket_and_nothing_else_passes() -> None:
    token = issue_progress_token(SECRET, 42)
    assert ticket_of_token(SECRET, token) == 42
    _id, expiry, signature = token.split(".")
    for forged in (
        f"43.{expiry}.{signature}",
        issue_progress_token("another-secret", 42),
        sign_token(SECRET, "webchat-visitor", "42", 600),
        sign_token(SECRET, PROGRESS_TOKEN_PURPOSE, "abc", 600),  # signed, but no ticket id
        "",
    ):
        with pytest.raises(ProgressLinkError):
            ticket_of_token(SECRET, forged)


def test_the_link_keeps_the_token_in_its_fragment_and_the_language_in_its_query() -> None:
    assert (
        progress_link("https://desk.example/", "zh", "t.1.s")
        == "https://desk.example/track?lang=zh#token=t.1.s"
    )


def test_the_message_reads_in_the_customers_language() -> None:
    ticket = Ticket(id=7, subject="Router keeps rebooting")
    english = notice_text(ticket, "task_done", "en", "LINK", "Swap the router")
    assert english == (
        "Update on your request #7 (Router keeps rebooting): “Swap the router” is done. "
        "Follow its progress here: LINK"
    )
    assert (
        notice_text(ticket, "solved", "zh", "LINK")
        == "您的工单 #7（Router keeps rebooting）有新进展：已解决。查看进度：LINK"
    )
