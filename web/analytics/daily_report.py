"""The daily analytics report: yesterday's figures as a short plain-text mail, with the page's
tables attached as XLSX, sent to ``analytics.daily_report_to`` through the outbound relay."""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from sqlalchemy.orm import Session

from config.settings import Settings
from tickets.channels.email import deliver_via_relay
from web.analytics import export
from web.analytics.kpis import Period, report
from web.analytics.training import training_needs

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _value(value: Any, percent: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:.0%}" if percent else str(value)


def summary(figures: dict[str, Any]) -> str:
    """The figures a lead reads first, one per line."""
    calls = figures["calls"]
    lines = [
        f"Analytics for {figures['from']} (UTC)",
        "",
        f"Calls offered: {calls['offered']}, answered: {calls['answered']}",
        f"Service level ({calls['service_level_threshold_s']:.0f} s): {_value(calls['service_level'], True)}",
        f"Average speed of answer: {_value(calls['asa_s'])} s; "
        f"average handle time: {_value(calls['aht_s'])} s",
        f"Abandoned in queue: {_value(calls['abandonment_rate'], True)}; "
        f"in the IVR: {_value(calls['ivr_abandonment_rate'], True)}",
        f"Contacts: {figures['contacts']}; first-contact resolution: {_value(figures['fcr_rate'], True)}",
        f"CSAT: {_value(figures['csat']['average'])} of 5 ({figures['csat']['answers']} answers)",
        "",
        "Top contact reasons:",
        *(f"  {r['reason']}: {r['contacts']}" for r in figures["top_reasons"]),
    ]
    return "\n".join(lines) + "\n"


def report_mail(session: Session, settings: Settings, day: date) -> EmailMessage:
    """The mail for ``day`` (not sent)."""
    period = Period(day, day)
    figures = report(session.connection(), period)
    mail = EmailMessage()
    mail["From"] = settings.channels.support_address
    mail["To"] = ", ".join(settings.analytics.daily_report_to)
    mail["Subject"] = f"Voxdesk analytics for {day.isoformat()}"
    mail["Message-ID"] = make_msgid(domain=settings.channels.mail_domain)
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies back to us
    mail.set_content(summary(figures))
    tables = export.as_xlsx(export.tables(figures, training_needs(session, period)))
    mail.add_attachment(tables, *XLSX_TYPE, filename=f"analytics-{day.isoformat()}.xlsx")
    return mail


def send_daily_report(session: Session, settings: Settings, day: date) -> bool:
    """Send ``day``'s report; False (nothing sent) when no one is to get it."""
    if not settings.analytics.daily_report_to:
        return False
    deliver_via_relay(settings.channels, report_mail(session, settings, day))
    return True
