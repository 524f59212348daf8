"""Helpers shared by the desk integration tests (importable: this folder is on sys.path)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from config.db import session_scope
from config.models import Role, User


@dataclass
class RecordingScheduler:
    """Records SLA wake-ups instead of queueing Celery jobs; tests fire them by moving the clock."""

    scheduled: list[tuple[int, datetime]] = field(default_factory=list)

    def schedule(self, timer_id: int, eta: datetime) -> None:
        self.scheduled.append((timer_id, eta))


def make_user(factory: sessionmaker[Session], role: Role = Role.AGENT, prefix: str = "agent") -> User:
    with session_scope(factory) as db:
        user = User(
            username=f"{prefix}_{uuid.uuid4().hex[:8]}",
            display_name=prefix.title(),
            role=role,
            password_hash="x",  # never signs in: tokens are issued directly
        )
        db.add(user)
    return user
