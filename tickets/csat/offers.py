"""Offer a CSAT survey after a call ends or a ticket is solved, and send its link by SMS or e-mail.

``offer_call_survey`` is for call control when a call hangs up (the agent is the one the call's
record says answered); ``offer_ticket_survey`` is what the desk calls when a ticket becomes solved.
These are the only ways a survey is created. Both create the survey now and leave the sending to the
Celery job ``voxdesk.tickets.send_csat``, so neither the call path nor the ticket update waits on a
relay or an SMS gateway. The link carries the survey's random token in its fragment (``#token=``),
which browsers never send to a server, so no access log holds it; the copy kept in the conversation
has the token left out, so an agent reading the thread cannot answer in the customer's place.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.models import SipCredential
from tickets.channels.base import OutboundMessage
from tickets.channels.email import EmailAdapter
from tickets.channels.sms import SmsAdapter
from tickets.conversations.language import customer_language
from tickets.conversations.models import Channel, Message
from tickets.conversations.services import find_by_external_ref, open_conversation
from tickets.conversations.voice import find_call_link
from tickets.csat.models import CsatSurvey
from tickets.csat.services import CsatError, create_survey, issue_survey_token
from tickets.customers.models import CustomerIdentity, IdentityKind

SEND_CSAT_TASK = "voxdesk.tickets.send_csat"
DEFAULT_DELAY_SECONDS = 60  # after the hang-up, so the text does not arrive mid-goodbye
# In the customer's language (tickets.conversations.language); the link opens the page in it too.
SURVEY_SUBJECT = {"en": "How did we do?", "zh": "您对我们的服务满意吗？"}
SURVEY_TEXT = {
    "en": "Thank you for contacting us. How did we do? Rate us from 1 to 5: {link}",
    "zh": "感谢您联系我们。您对我们的服务满意吗？请打 1 到 5 分：{link}",
}
SURVEY_PAGE = {"en": "/csat#token=", "zh": "/csat?lang=zh#token="}
TOKEN_KEPT_OUT = "(token sent to the customer only)"  # noqa: S105 - a placeholder, not a secret

# (task name, survey id, delay in seconds): the default sends a Celery job by name.
Enqueue = Callable[[str, int, int], None]


def celery_enqueue(task: str, survey_id: int, delay_seconds: int) -> None:
    from config.jobs import celery_app  # imported late: offering must not need a broker to import

    celery_app.send_task(task, args=[survey_id], countdown=delay_seconds)


def _contact(session: Session, customer_id: int, kind: IdentityKind) -> str | None:
    return session.scalar(
        select(CustomerIdentity.value)
        .where(CustomerIdentity.customer_id == customer_id, CustomerIdentity.kind == kind.value)
        .order_by(CustomerIdentity.id)
        .limit(1)
    )


def choose_via(session: Session, customer_id: int, prefer: str = "sms") -> str:
    """``sms`` or ``email``: the preferred one when the customer has it, else the other."""
    order = ["sms", "email"] if prefer == "sms" else ["email", "sms"]
    kinds = {"sms": IdentityKind.PHONE, "email": IdentityKind.EMAIL}
    for via in order:
        if _contact(session, customer_id, kinds[via]) is not None:
            return via
    raise CsatError(f"customer {customer_id} has no phone number or e-mail address for a survey")


def offer_survey(
    session: Session,
    conversation_id: int,
    *,
    agent_id: int | None = None,
    ticket_id: int | None = None,
    prefer: str = "sms",
    delay_seconds: int = DEFAULT_DELAY_SECONDS,
    enqueue: Enqueue = celery_enqueue,
) -> CsatSurvey:
    """Create the survey for ``conversation_id`` and schedule its link; one per conversation and ticket."""
    existing = session.scalar(
        select(CsatSurvey).where(
            CsatSurvey.conversation_id == conversation_id,
            CsatSurvey.ticket_id.is_(None) if ticket_id is None else CsatSurvey.ticket_id == ticket_id,
            CsatSurvey.via.in_(("sms", "email")),
        )
    )
    if existing is not None:  # a retried hang-up or a ticket solved twice asks once
        return existing
    survey = create_survey(session, conversation_id, "chat", agent_id=agent_id, ticket_id=ticket_id)
    try:
        survey.via = choose_via(session, survey.customer_id, prefer)
    except CsatError:
        session.delete(survey)
        session.commit()
        raise
    session.commit()
    enqueue(SEND_CSAT_TASK, survey.id, max(0, delay_seconds))
    return survey


def call_agent(session: Session, call_id: str) -> int | None:
    """The user id of the agent who answered ``call_id`` (the call's record names their SIP account)."""
    link = find_call_link(session, call_id)
    if link is None or not link.agent_id:
        return None
    return session.scalar(select(SipCredential.user_id).where(SipCredential.username == link.agent_id))


def offer_call_survey(
    session: Session,
    call_id: str,
    *,
    prefer: str = "sms",
    delay_seconds: int = DEFAULT_DELAY_SECONDS,
    enqueue: Enqueue = celery_enqueue,
) -> CsatSurvey:
    """For call control, when call ``call_id`` ends: survey the caller by SMS or e-mail, for the
    agent who answered it (none when nobody did)."""
    conversation = find_by_external_ref(session, Channel.VOICE, call_id)
    if conversation is None:
        raise CsatError(f"no conversation for call {call_id}")
    return offer_survey(
        session,
        conversation.id,
        agent_id=call_agent(session, call_id),
        prefer=prefer,
        delay_seconds=delay_seconds,
        enqueue=enqueue,
    )


def offer_ticket_survey(
    session: Session,
    ticket_id: int,
    conversation_id: int,
    *,
    agent_id: int | None = None,
    prefer: str = "email",
    delay_seconds: int = DEFAULT_DELAY_SECONDS,
    enqueue: Enqueue = celery_enqueue,
) -> CsatSurvey:
    """For the desk, when ticket ``ticket_id`` becomes solved: survey the customer of its conversation."""
    return offer_survey(
        session,
        conversation_id,
        agent_id=agent_id,
        ticket_id=ticket_id,
        prefer=prefer,
        delay_seconds=delay_seconds,
        enqueue=enqueue,
    )


def send_survey(
    session: Session, survey_id: int, base_url: str, email: EmailAdapter, sms: SmsAdapter
) -> Message:
    """Send the survey's link with a new token; a survey already sent is not sent again (jobs can
    run twice; a retry after a failed delivery issues a new token, so only the delivered one works)."""
    survey = session.get(CsatSurvey, survey_id)
    if survey is None:
        raise CsatError(f"survey {survey_id} does not exist")
    if survey.message_id is not None:
        sent = session.get(Message, survey.message_id)
        if sent is not None:
            return sent
    language = customer_language(session, survey.conversation_id)
    page = base_url.rstrip("/") + SURVEY_PAGE[language]
    text = SURVEY_TEXT[language].format(link=page + issue_survey_token(session, survey))
    kept = SURVEY_TEXT[language].format(link=page + TOKEN_KEPT_OUT)
    subject = SURVEY_SUBJECT[language]
    message = send_to_customer(
        session, survey.customer_id, survey.via, subject, text, kept, email=email, sms=sms
    )
    survey.message_id = message.id
    session.commit()
    return message


def send_to_customer(
    session: Session,
    customer_id: int,
    via: str,
    subject: str,
    text: str,
    kept: str,
    *,
    email: EmailAdapter,
    sms: SmsAdapter,
) -> Message:
    """Send ``text`` by SMS or e-mail (``via``, see :func:`choose_via`) on the customer's SMS thread or
    a new e-mail thread; the conversation keeps ``kept`` (the text with its link's token left out)."""
    if via == "sms":
        phone = _contact(session, customer_id, IdentityKind.PHONE)
        if phone is None:
            raise CsatError(f"customer {customer_id} has no phone number")
        conversation = open_conversation(session, customer_id, Channel.SMS, external_ref=phone, subject="SMS")
        outbound = OutboundMessage(conversation.id, text, agent_name="Voxdesk", record_body=kept)
        return sms.send(session, conversation, outbound)
    address = _contact(session, customer_id, IdentityKind.EMAIL)
    if address is None:
        raise CsatError(f"customer {customer_id} has no e-mail address")
    # The thread is opened by start_thread (hence no conversation id yet).
    outbound = OutboundMessage(0, text, agent_name="Voxdesk", record_body=kept)
    return email.start_thread(session, customer_id, address, subject, outbound)
