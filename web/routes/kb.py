"""Knowledge-base API and the live feed (WebSocket) consoles subscribe to for published changes."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect, status

from config.errors import EventBusError
from config.events import Subscription, channel_name
from config.models import Role
from tickets.desk.schemas import MAX_ID
from tickets.kb import services
from tickets.kb.events import KB_CHANNEL_KEY
from tickets.kb.models import ArticleStatus
from tickets.kb.schemas import (
    ArticleCreate,
    ArticlePublic,
    ArticleUpdate,
    ArticleVersionPublic,
    CategoryCreate,
    CategoryPublic,
    SearchPage,
)
from tickets.kb.search import search_articles
from web.auth import websocket_principal
from web.deps import SessionDep
from web.routes.desk_support import Editor, IdPath, Reader, RuntimeDep

router = APIRouter(prefix="/api/kb", tags=["knowledge base"])
live_router = APIRouter(tags=["knowledge base"])
CONSOLE_ROLES = {Role.AGENT, Role.SUPERVISOR, Role.QA_MANAGER, Role.ADMIN}


@router.get("/search")
def search(
    session: SessionDep,
    _: Reader,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    category_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> SearchPage:
    """Published articles containing every word of ``q`` (Chinese works without spaces)."""
    hits, has_more = search_articles(session, q, category_id=category_id, limit=limit, offset=offset)
    return SearchPage(items=hits, limit=limit, offset=offset, has_more=has_more)


@router.get("/articles")
def list_articles(
    session: SessionDep,
    _: Reader,
    status_: Annotated[ArticleStatus | None, Query(alias="status")] = None,
    category_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[ArticlePublic]:
    rows, _more = services.list_articles(
        session, status=status_, category_id=category_id, limit=limit, offset=offset
    )
    return [ArticlePublic.model_validate(a) for a in rows]


@router.post("/articles", status_code=status.HTTP_201_CREATED)
def create_article(
    body: ArticleCreate, session: SessionDep, runtime: RuntimeDep, principal: Editor
) -> ArticlePublic:
    return ArticlePublic.model_validate(services.create_article(session, runtime, body, principal.username))


@router.get("/articles/{article_id}")
def get_article(article_id: IdPath, session: SessionDep, _: Reader) -> ArticlePublic:
    return ArticlePublic.model_validate(services.get_article(session, article_id))


@router.patch("/articles/{article_id}")
def update_article(
    article_id: IdPath, body: ArticleUpdate, session: SessionDep, runtime: RuntimeDep, principal: Editor
) -> ArticlePublic:
    """Save a new version; a published change reaches every subscribed console at once."""
    article = services.update_article(session, runtime, article_id, body, principal.username)
    return ArticlePublic.model_validate(article)


@router.get("/articles/{article_id}/versions")
def list_versions(article_id: IdPath, session: SessionDep, _: Reader) -> list[ArticleVersionPublic]:
    return [ArticleVersionPublic.model_validate(v) for v in services.list_versions(session, article_id)]


@router.get("/categories")
def list_categories(session: SessionDep, _: Reader) -> list[CategoryPublic]:
    return [CategoryPublic.model_validate(c) for c in services.list_categories(session)]


@router.post("/categories", status_code=status.HTTP_201_CREATED)
def create_category(body: CategoryCreate, session: SessionDep, _: Editor) -> CategoryPublic:
    return CategoryPublic.model_validate(services.create_category(session, body))


@live_router.websocket("/ws/kb")
async def kb_feed(websocket: WebSocket) -> None:
    """Pushes ``kb.article_published`` envelopes; needs a console role's ``?ticket=`` or cookie."""
    principal = await websocket_principal(websocket)
    if principal is None or principal.role not in CONSOLE_ROLES:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason="sign in with a console role")
        return
    await websocket.accept()
    try:
        async with Subscription(websocket.app.state.redis_url, [channel_name("kb", KB_CHANNEL_KEY)]) as feed:
            await websocket.send_json({"type": "subscribed", "data": {"channel": "kb"}})

            async def forward() -> None:
                async for event in feed:
                    await websocket.send_json(event.envelope())

            async def until_closed() -> None:
                with contextlib.suppress(WebSocketDisconnect):
                    while True:
                        await websocket.receive_text()  # consoles send nothing; this notices them leave

            tasks = [asyncio.create_task(forward()), asyncio.create_task(until_closed())]
            _done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
    except EventBusError:
        await websocket.close(code=status.WS_1011_INTERNAL_ERROR, reason="event bus unavailable")
