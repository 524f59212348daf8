"""The FastAPI application factory: console, REST API and live WebSockets."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError

from config.db import make_engine, make_session_factory
from config.errors import VoxdeskError
from config.files import private_dir
from config.secrets_store import get_or_create_secret
from config.settings import Settings, load_settings
from web.hardening import install_hardening
from web.headers import SecurityHeadersMiddleware
from web.limits import BodySizeLimitMiddleware
from web.routes import (
    accounts,
    alerts,
    calls,
    channel_webhooks,
    conversations,
    customers,
    desk_admin,
    ivr_flows,
    kb,
    orders_csat,
    system,
    tickets,
    webchat,
    webhooks,
)


def resolve_redis_url(settings: Settings) -> str:
    """The configured Redis, or the embedded one ``voxdesk up`` starts on its fixed port."""
    return settings.redis.url or f"redis://127.0.0.1:{settings.redis.embedded_port}/0"


def resolve_ari(settings: Settings) -> tuple[str, str, str] | None:
    """ARI base URL and credentials: the configured external ARI or the sandbox's generated ones."""
    from telephony.sandbox import AsteriskSandbox  # the sandbox owns the generated ARI password

    try:
        ari = AsteriskSandbox(settings).ari
    except VoxdeskError:
        return None
    return ari.url, ari.user, ari.password


async def _invalid_value(_request: Request, exc: Exception) -> JSONResponse:
    # The database refused a value the schema let through (an id past 32 bits, a NUL in text):
    # that is the caller's input, so 422, and the session's transaction is rolled back when it closes.
    return JSONResponse({"detail": "a value is out of range or not storable"}, status_code=422)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; ``settings`` defaults to :func:`load_settings` (for uvicorn's factory mode)."""
    settings = settings or load_settings()
    app = FastAPI(title="Voxdesk", version="0.1.0", description="Voice-first contact center API")
    private_dir(settings.data_dir)  # 0700: the database, secrets and credentials live here
    engine = make_engine(settings.effective_database_url)
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.secret_key = settings.web.secret_key or get_or_create_secret(settings.data_dir, "web_secret")
    app.state.redis_url = resolve_redis_url(settings)
    app.state.ari = resolve_ari(settings)
    app.add_exception_handler(DataError, _invalid_value)
    install_hardening(app)
    app.include_router(system.router)
    app.include_router(accounts.router)
    app.include_router(customers.router)
    app.include_router(conversations.router)
    app.include_router(webchat.router)
    app.include_router(channel_webhooks.router)
    app.include_router(orders_csat.router)
    app.include_router(ivr_flows.router)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.desk.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware)  # outermost: on every answer, a 413 included
    app.include_router(tickets.router)
    app.include_router(desk_admin.router)
    app.include_router(kb.router)
    app.include_router(kb.live_router)
    app.include_router(alerts.router)
    app.include_router(webhooks.router)
    app.include_router(calls.router)
    app.include_router(calls.live_router)
    return app
