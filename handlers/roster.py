"""Roster import: an idempotent upsert of staff from CSV, keyed by phone.

Each row is checked on its own: a bad row is reported with its line number and reason and the
good rows still load. Links to supervisors may point to rows further down the file, so people
are written first and links second, all in one transaction.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers import audit
from handlers.phones import BadPhone, to_e164
from handlers.zones import resolve_timezone
from storage.models import Person, Role

HEADER = ("role", "name", "phone", "kabupaten", "kecamatan", "supervisor_phone", "timezone")
# Optional: on a supervisor's row, the supervisor who stands in when they do not answer.
BACKUP = "backup_supervisor_phone"
# Who may be named in supervisor_phone, by the role of the row.
SUPERIOR_ROLE = {Role.PENDAMPING: Role.SUPERVISOR, Role.SUPERVISOR: Role.KORKAB}


@dataclass
class Rejection:
    line: int
    reason: str


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[Rejection] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
            f"rejected {len(self.rejected)}"
        ]
        lines += [f"  line {r.line}: {r.reason}" for r in self.rejected]
        lines += [f"  line {r.line}: warning: {r.reason}" for r in self.warnings]
        return "\n".join(lines)


@dataclass
class _Row:
    line: int
    role: str
    name: str
    phone: str
    kabupaten: str
    kecamatan: str
    supervisor_phone: str | None
    timezone: str
    backup_phone: str | None = None


class RosterError(ValueError):
    """The file as a whole cannot be read (wrong header, not CSV)."""


def _parse(text: str, default_tz: str, report: ImportReport) -> list[_Row]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = tuple((h or "").strip().lower() for h in reader.fieldnames or ())
    missing = [h for h in HEADER if h not in header]
    if missing:
        raise RosterError(f"header must be {','.join(HEADER)}; missing {', '.join(missing)}")
    rows: list[_Row] = []
    seen_phones: dict[str, int] = {}
    for raw in reader:
        line = reader.line_num
        values = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        if not any(values.values()):
            continue
        role = values["role"].lower()
        if role not in Role.ALL:
            report.rejected.append(Rejection(line, f"unknown role {values['role']!r}"))
            continue
        if not values["name"]:
            report.rejected.append(Rejection(line, "name is empty"))
            continue
        try:
            phone = to_e164(values["phone"])
            boss = to_e164(values["supervisor_phone"]) if values["supervisor_phone"] else None
            backup = to_e164(values[BACKUP]) if values.get(BACKUP) else None
        except BadPhone as exc:
            report.rejected.append(Rejection(line, str(exc)))
            continue
        if phone in seen_phones:
            report.rejected.append(
                Rejection(line, f"duplicate phone {phone} (first on line {seen_phones[phone]})")
            )
            continue
        try:
            zone = resolve_timezone(values["timezone"] or default_tz)
        except ValueError as exc:
            report.rejected.append(Rejection(line, str(exc)))
            continue
        seen_phones[phone] = line
        rows.append(
            _Row(
                line,
                role,
                values["name"],
                phone,
                values["kabupaten"],
                values["kecamatan"],
                boss,
                zone,
                backup,
            )
        )
    return rows


def _link_problem(row: _Row, file_roles: dict[str, str], existing: dict[str, Person]) -> str | None:
    """Why this row's supervisor link cannot be made, or None when it can (or there is none)."""
    if row.supervisor_phone is None:
        return None
    wanted = SUPERIOR_ROLE.get(row.role)
    boss_role = file_roles.get(row.supervisor_phone) or (
        existing[row.supervisor_phone].role if row.supervisor_phone in existing else None
    )
    if boss_role is None:
        return f"unknown supervisor {row.supervisor_phone}"
    if wanted is None or boss_role != wanted:
        return (
            f"supervisor {row.supervisor_phone} is a {boss_role}, "
            f"not the {wanted or 'nobody'} a {row.role} reports to"
        )
    return None


def _backup_problem(
    row: _Row, file_roles: dict[str, str], existing: dict[str, Person]
) -> str | None:
    """Why a named backup cannot be kept (the row itself still loads, without a backup)."""
    if row.backup_phone is None:
        return None
    if row.role != Role.SUPERVISOR or row.backup_phone == row.phone:
        return f"only a supervisor names a backup supervisor; {BACKUP} ignored"
    backup_role = file_roles.get(row.backup_phone) or (
        existing[row.backup_phone].role if row.backup_phone in existing else None
    )
    if backup_role != Role.SUPERVISOR:
        return f"backup {row.backup_phone} is not a supervisor on the roster; {BACKUP} ignored"
    return None


def _check_links(rows: list[_Row], existing: dict[str, Person], report: ImportReport) -> list[_Row]:
    """Keep the rows whose supervisor is on the roster or kept from this file. Rejecting a row
    can strand the rows that name it as supervisor, so repeat until nothing more is rejected."""
    kept = rows
    while True:
        file_roles = {row.phone: row.role for row in kept}
        still: list[_Row] = []
        for row in kept:
            problem = _link_problem(row, file_roles, existing)
            if problem is None:
                still.append(row)
            else:
                report.rejected.append(Rejection(row.line, problem))
        if len(still) == len(kept):
            return still
        kept = still


def import_roster(session: Session, text: str, default_tz: str) -> ImportReport:
    report = ImportReport()
    rows = _parse(text, default_tz, report)
    existing = {p.phone: p for p in session.scalars(select(Person))}
    accepted = _check_links(rows, existing, report)
    report.rejected.sort(key=lambda r: r.line)
    file_roles = {row.phone: row.role for row in accepted}
    for index, row in enumerate(accepted):
        problem = _backup_problem(row, file_roles, existing)
        if problem is not None:
            report.warnings.append(Rejection(row.line, problem))
            accepted[index] = replace(row, backup_phone=None)

    people: dict[str, Person] = dict(existing)
    changed: set[str] = set()
    for row in accepted:
        person = people.get(row.phone)
        fields = {
            "role": row.role,
            "name": row.name,
            "kabupaten": row.kabupaten,
            "kecamatan": row.kecamatan,
            "timezone": row.timezone,
            "active": True,
        }
        if person is None:
            person = Person(phone=row.phone, **fields)
            session.add(person)
            people[row.phone] = person
            report.added += 1
            audit.record(session, "roster.added", "person", row.phone, role=row.role)
            continue
        if any(getattr(person, k) != v for k, v in fields.items()):
            for key, value in fields.items():
                setattr(person, key, value)
            changed.add(row.phone)
    session.flush()

    for row in accepted:
        person = people[row.phone]
        boss_id = people[row.supervisor_phone].id if row.supervisor_phone else None
        backup_id = people[row.backup_phone].id if row.backup_phone else None
        if (person.supervisor_id, person.backup_id) != (boss_id, backup_id):
            person.supervisor_id, person.backup_id = boss_id, backup_id
            if row.phone in existing:
                changed.add(row.phone)
    for phone in changed:
        audit.record(session, "roster.updated", "person", phone)
    report.updated = len(changed)
    report.unchanged = sum(1 for row in accepted if row.phone in existing) - len(changed)
    return report


def import_roster_file(session: Session, path: Path, default_tz: str) -> ImportReport:
    return import_roster(session, path.read_text(encoding="utf-8-sig"), default_tz)
