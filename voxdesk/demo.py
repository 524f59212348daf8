"""Demo data for a first run: an admin, a supervisor, a QA manager and two agents with SIP accounts,
then a contact center at work (voxdesk/demo_contact_center.py: customers, orders, tickets, calls...).

Passwords are generated, stored only as hashes, and written once to a 0600 file in the data dir
so the person who ran ``voxdesk up`` can sign in and register a softphone. The contact center is
loaded only into a database whose users the demo created, never into one an admin set up.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from config.accounts import SIP_REALM, create_user
from config.db import session_scope
from config.models import AuditEntry, Role, User
from config.security import generate_secret
from voxdesk.demo_contact_center import load_demo_contact_center

# Marks a database whose users the demo created: only such a one gets the demo contact center.
USERS_CREATED_ACTION = "demo.users_created"


@dataclass(frozen=True)
class DemoAccount:
    """A demo user's sign-in, and SIP credentials for agents."""

    username: str
    role: Role
    password: str
    sip_password: str | None = None


DEMO_USERS: tuple[tuple[str, str, Role], ...] = (
    ("admin", "Ada Admin", Role.ADMIN),
    ("supervisor", "Sam Supervisor", Role.SUPERVISOR),
    ("qa", "Quinn QA", Role.QA_MANAGER),
    ("agent1", "Alex Agent", Role.AGENT),
    ("agent2", "Bo Agent", Role.AGENT),
)


def seed_demo_data(factory: sessionmaker[Session], data_dir: Path, region: str = "US") -> list[DemoAccount]:
    """Create the demo users once, then the demo contact center; returns the users' credentials.

    The list is empty when users already existed. ``region`` reads national phone numbers.
    """
    accounts = _seed_users(factory)
    if accounts:
        _write_credentials(data_dir / "demo-credentials.txt", accounts)
    with session_scope(factory) as session:
        demo_install = session.scalar(
            select(AuditEntry.id).where(AuditEntry.action == USERS_CREATED_ACTION).limit(1)
        )
    if demo_install is not None:
        load_demo_contact_center(factory, region)
    return accounts


def _seed_users(factory: sessionmaker[Session]) -> list[DemoAccount]:
    with session_scope(factory) as session:
        if session.scalar(select(func.count()).select_from(User)):
            return []
        accounts = []
        for username, display_name, role in DEMO_USERS:
            sip = generate_secret(9) if role is Role.AGENT else None
            account = DemoAccount(username, role, generate_secret(9), sip)
            create_user(session, username, display_name, role, account.password, sip)
            accounts.append(account)
        session.add(AuditEntry(actor="demo", action=USERS_CREATED_ACTION, target="demo", details={}))
    return accounts


def _write_credentials(path: Path, accounts: list[DemoAccount]) -> None:
    lines = ["# Voxdesk demo accounts (generated at first start; delete this file once noted)"]
    for acc in accounts:
        line = f"{acc.role.value:<11} {acc.username:<11} password={acc.password}"
        if acc.sip_password:
            line += f"  sip_user={acc.username} sip_password={acc.sip_password} realm={SIP_REALM}"
        lines.append(line)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
