"""The desk's way to the customer (:class:`tickets.desk.replies.CustomerReplies`) over the adapters."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from config.accounts import public_name_for
from tickets.channels.base import ChannelAdapter, OutboundMessage
from tickets.channels.exceptions import ChannelNotConfiguredError
from tickets.conversations.models import Channel, Conversation, Message


class ChannelReplies:
    """Sends a reply through the adapter of the conversation's own channel."""

    def __init__(self, adapters: Mapping[Channel, ChannelAdapter]) -> None:
        self._adapters = adapters

    def send_reply(
        self, session: Session, conversation: Conversation, body: str, agent_id: int | None, agent_name: str
    ) -> Message:
        adapter = self._adapters.get(Channel(conversation.channel))
        if adapter is None:
            raise ChannelNotConfiguredError(f"agents cannot write into a {conversation.channel} conversation")
        # Customers see the agent's public name, never the log-in name the desk passes as agent_name.
        shown = public_name_for(session, agent_id) if agent_id is not None else agent_name
        outbound = OutboundMessage(conversation.id, body, agent_id=agent_id, agent_name=shown)
        return adapter.send(session, conversation, outbound)
