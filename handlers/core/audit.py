"""The audit log of domain actions: who did what to which record."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from storage.models import AuditEntry, Person


def record(
    session: Session,
    action: str,
    entity_type: str,
    entity_id: object,
    actor: Person | None = None,
    actor_address: str | None = None,
    **details: Any,
) -> None:
    session.add(
        AuditEntry(
            action=action,
            entity_type=entity_type,
            entity_id=str(entity_id),
            actor_person_id=actor.id if actor else None,
            actor_address=actor_address,
            details=details,
        )
    )
