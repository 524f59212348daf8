"""E-mail for agents and leads (SLA reminders, escalations) through the outbound relay."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

from config.settings import ChannelSettings, Settings
from tickets.channels.email import deliver_via_relay
from tickets.desk.outbox import NoticeMail, NoticeMailer


class RelayNoticeMailer:
    """Sends :class:`NoticeMail` from the support address through ``channels.relay_*``."""

    def __init__(self, settings: ChannelSettings) -> None:
        self._settings = settings

    def send(self, mail: NoticeMail) -> None:
        message = EmailMessage()
        message["From"] = self._settings.support_address
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Message-ID"] = make_msgid(domain=self._settings.mail_domain)
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies back to us
        message.set_content(mail.body)
        deliver_via_relay(self._settings, message)


def notice_mailer(settings: Settings) -> NoticeMailer | None:
    """The mailer when outbound notice mail is switched on (``desk.sla_notice_mail``), else None."""
    return RelayNoticeMailer(settings.channels) if settings.desk.sla_notice_mail else None
