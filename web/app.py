"""The FastAPI application factory: console, REST API and live WebSockets."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from config.db import make_engine, make_session_factory
from config.files import private_dir
from config.secrets_store import web_secret
from config.settings import Settings, load_settings
from web.api_docs import install_api_docs
from web.audit import AuditMiddleware
from web.console import admin_page, agent_page, analytics_page, customer_pages, qa_page, supervisor_page
from web.console import pages as console_pages
from web.console.static_files import CONSOLE_STATIC
from web.errors import install_error_handlers
from web.headers import SecurityHeadersMiddleware, ws_origins
from web.limits import BodySizeLimitMiddleware
from web.link_tokens import LinkTokenMiddleware
from web.routes import (
    accounts,
    alerts,
    analytics,
    audit,
    call_conversations,
    calls,
    channel_webhooks,
    conversations,
    customer_progress,
    customers,
    desk_admin,
    inbox,
    ivr_flows,
    kb,
    orders_csat,
    qa,
    qa_review,
    routing_config,
    scorecards,
    sessions,
    system,
    ticket_rules,
    tickets,
    wallboard,
    webchat,
    webhooks,
    webphone,
)
from web.session_lookup import install_session_lookup


def resolve_redis_url(settings: Settings) -> str:
    """The configured Redis, or the embedded one ``voxdesk up`` starts on its fixed port."""
    return settings.redis.url or f"redis://127.0.0.1:{settings.redis.embedded_port}/0"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; ``settings`` defaults to :func:`load_settings` (for uvicorn's factory mode)."""
    settings = settings or load_settings()
    app = FastAPI(
        title="Voxdesk",
        version="0.1.0",
        description="Voice-first contact center API",
        docs_url=None,  # served by install_api_docs from our own files, not a CDN
        redoc_url=None,
    )
    private_dir(settings.data_dir)  # 0700: the database, secrets and credentials live here
    engine = make_engine(settings.effective_database_url)
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.secret_key = web_secret(settings)
    app.state.redis_url = resolve_redis_url(settings)
    install_session_lookup(app.state, settings.effective_database_url, settings.web.session_cache_seconds)
    install_error_handlers(app)
    console_pages.install_page_handlers(app)
    app.include_router(console_pages.router)
    app.include_router(agent_page.router)
    app.include_router(supervisor_page.router)
    app.include_router(admin_page.router)
    app.include_router(analytics_page.router)
    app.include_router(customer_pages.router)
    app.include_router(qa_page.router)
    app.include_router(wallboard.router)
    app.mount("/static/console", StaticFiles(directory=CONSOLE_STATIC), name="console-static")
    install_api_docs(app)
    app.include_router(system.router)
    app.include_router(sessions.router)
    app.include_router(accounts.router)
    app.include_router(webphone.router)
    app.include_router(audit.router)
    app.include_router(customers.router)
    app.include_router(conversations.router)
    app.include_router(inbox.router)
    app.include_router(webchat.router)
    app.include_router(channel_webhooks.router)
    app.include_router(orders_csat.router)
    app.include_router(customer_progress.router)
    app.include_router(ivr_flows.router)
    app.include_router(routing_config.router)
    app.add_middleware(AuditMiddleware)  # innermost: it reads the matched route and the principal
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.desk.max_body_bytes)
    app.add_middleware(LinkTokenMiddleware)  # a link's ?token= leaves the URL before anything logs it
    # outermost: on every answer, a 413 included; pages may reach the SIP WebSocket (browser phone)
    sip_ws = ws_origins(settings.asterisk.browser_ws_url)
    app.add_middleware(SecurityHeadersMiddleware, connect_sources=sip_ws)
    app.include_router(tickets.router)
    app.include_router(desk_admin.router)
    app.include_router(kb.router)
    app.include_router(kb.live_router)
    app.include_router(alerts.router)
    app.include_router(webhooks.router)
    app.include_router(calls.router)
    app.include_router(calls.transcript_router)
    app.include_router(calls.recording_router)
    app.include_router(calls.live_router)
    app.include_router(call_conversations.router)
    app.include_router(ticket_rules.router)
    app.include_router(qa.router)
    app.include_router(scorecards.router)
    app.include_router(qa_review.router)
    app.include_router(analytics.router)
    return app
