"""What happens after a customer's text message is stored: live suggestions for the agent, then
the FAQ bot (on the channels it is enabled for). Never raises: the message is stored already."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from config.errors import VoxdeskError
from config.events import Notifier
from qa.assist.ranker import KbRanker
from qa.faqbot import FaqBot
from tickets.assist.bot import SendReply, run_faq_bot
from tickets.assist.services import assist_public, chat_assist, suggestion_event
from tickets.conversations.models import AuthorKind, Conversation, Message
from tickets.desk.outbox import DeskRuntime

log = logging.getLogger(__name__)


class CustomerMessageAssist:
    """One per app: built from where the ranker, the channels and the runtime come from."""

    def __init__(
        self,
        ranker: Callable[[], KbRanker],
        notifier: Notifier | None,
        runtime: DeskRuntime,
        sender_for: Callable[[str], SendReply | None],
        bot_channels: Collection[str],
    ) -> None:
        self._ranker = ranker
        self._notifier = notifier
        self._runtime = runtime
        self._sender_for = sender_for
        self._bot_channels = frozenset(bot_channels)

    def __call__(self, session: Session, message: Message) -> None:
        if message.author_kind != AuthorKind.CUSTOMER.value:
            return
        conversation = session.get(Conversation, message.conversation_id)
        if conversation is None:
            return
        try:
            ranker = self._ranker()
            message_id, update = chat_assist(session, conversation.id, ranker)
            view = assist_public(conversation.id, message_id, update, ranker)
            if self._notifier is not None and update is not None and (update.suggestions or update.actions):
                self._notifier.publish(suggestion_event(view))
            send = self._sender_for(conversation.channel)
            if conversation.channel in self._bot_channels and send is not None:
                run_faq_bot(
                    session,
                    self._runtime,
                    message,
                    FaqBot(ranker),
                    send,
                    update.suggestions if update else (),
                )
        except (VoxdeskError, SQLAlchemyError) as exc:  # the customer's message counts; assist is extra
            session.rollback()
            log.warning(
                "conversation %s: assist after message %s failed: %s", conversation.id, message.id, exc
            )
