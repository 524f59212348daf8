"""Builds every channel adapter from the settings, with secrets generated on first use."""

from __future__ import annotations

from dataclasses import dataclass, field

from config.events import Notifier
from config.secrets_store import get_or_create_secret
from config.settings import Settings
from tickets.channels.base import ChannelAdapter
from tickets.channels.email import EmailAdapter
from tickets.channels.providers import HttpMessagingProvider
from tickets.channels.sms import SmsAdapter
from tickets.channels.webchat import WebChatAdapter
from tickets.channels.wechat import WeChatAccount, WeChatAdapter
from tickets.channels.wechat_crypto import generate_encoding_aes_key
from tickets.conversations.models import Channel
from tickets.desk.outbox import DeskRuntime


@dataclass(frozen=True)
class ChannelSecrets:
    """The inbound channels' shared secrets (kept out of reprs, so out of logs)."""

    sms_webhook_secret: str = field(repr=False)
    wechat_token: str = field(repr=False)
    wechat_encoding_aes_key: str = field(repr=False)
    wechat_app_id: str | None = None


def channel_secrets(settings: Settings) -> ChannelSecrets:
    ch = settings.channels
    return ChannelSecrets(
        sms_webhook_secret=ch.sms_webhook_secret
        or get_or_create_secret(settings.data_dir, "sms_webhook_secret"),
        wechat_token=ch.wechat_token or get_or_create_secret(settings.data_dir, "wechat_token"),
        wechat_encoding_aes_key=ch.wechat_encoding_aes_key
        or get_or_create_secret(settings.data_dir, "wechat_encoding_aes_key", generate_encoding_aes_key),
        wechat_app_id=ch.wechat_app_id,
    )


def wechat_account(settings: Settings) -> WeChatAccount:
    """Our Official Account as the WeChat webhook checks it (safe mode unless an admin chose plain)."""
    secrets = channel_secrets(settings)
    return WeChatAccount(
        token=secrets.wechat_token,
        mode=settings.channels.wechat_mode,
        encoding_aes_key=secrets.wechat_encoding_aes_key,
        app_id=secrets.wechat_app_id,
    )


def build_adapters(
    settings: Settings, notifier: Notifier | None, desk_runtime: DeskRuntime | None = None
) -> dict[Channel, ChannelAdapter]:
    """One adapter per text channel (voice is written by telephony through tickets.conversations.voice).

    Customers' messages reach the desk with ``desk_runtime`` (None: the default runtime)."""
    region = settings.customers.default_region
    secrets = channel_secrets(settings)
    sms_provider = (
        HttpMessagingProvider(settings.channels.sms_provider_url, secrets.sms_webhook_secret)
        if settings.channels.sms_provider_url
        else None
    )
    return {
        Channel.WEBCHAT: WebChatAdapter(region, notifier, desk_runtime),
        Channel.EMAIL: EmailAdapter(settings.channels, region, notifier, desk_runtime),
        Channel.SMS: SmsAdapter(region, sms_provider, notifier, desk_runtime),
        Channel.WECHAT: WeChatAdapter(region, None, notifier, desk_runtime),
    }
