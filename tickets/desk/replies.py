"""How the desk reaches the customer: a public reply goes out on the ticket's conversation channel.

The desk does not know channels; the web wires :class:`CustomerReplies` to the channel adapters
(``tickets.channels.replies.ChannelReplies``), and tests can give a fake that type-checks.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session

from tickets.conversations.models import Channel, Conversation, Message

# Channels an agent's written reply can go out on (a call's conversation holds its transcript).
TEXT_CHANNELS = frozenset(
    {Channel.EMAIL.value, Channel.WEBCHAT.value, Channel.SMS.value, Channel.WECHAT.value}
)


class CustomerReplies(Protocol):
    def send_reply(
        self, session: Session, conversation: Conversation, body: str, agent_id: int | None, agent_name: str
    ) -> Message:
        """Store the reply in ``conversation`` and deliver it on its channel (commits ``session``).

        Raises the channel's error (not configured, delivery failed) when it did not go out.
        """
        ...
