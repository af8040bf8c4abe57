"""What a domain action needs from the process, handed in by the edges (no settings import here)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from conversations.catalog import Catalog, load_catalog
from conversations.engine import Engine
from conversations.flows import FLOWS
from conversations.messages import Channel


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class AppContext:
    sessions: sessionmaker[Session]
    default_tz: str = "Asia/Jakarta"
    language: str = "id"
    # Channels that can carry a notification to staff; the web simulator always can.
    channels: tuple[str, ...] = (Channel.WEB,)
    clock: Callable[[], datetime] = system_clock
    # Called after a transaction that queued outbox rows, so the dispatcher can wake early.
    on_outbox: Callable[[], None] = lambda: None
    # Where the staff dashboard is served (PUBLIC_BASE_URL, else the local address), no slash.
    dashboard_base: str = "http://127.0.0.1:8000"
    # Whether the first working day of a month brings staff the "report ready" notice.
    monthly_notice: bool = True
    catalog: Catalog = field(init=False)
    engine: Engine = field(init=False)

    def __post_init__(self) -> None:
        self.catalog = load_catalog(self.language)
        self.engine = Engine(FLOWS, self.catalog)
