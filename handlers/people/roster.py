"""Roster import: an idempotent upsert of staff from CSV, keyed by phone.

Each row is checked on its own: a bad row is reported with its line number and reason and the
good rows still load. Links to supervisors may point to rows further down the file, so people
are written first and links second, all in one transaction.

Someone who leaves is set `active` = `tidak`, not deleted (records name them). A file without
that column changes nobody's state, so an old file uploaded again lets nobody back in.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.catalog import Catalog, load_catalog
from conversations.privacy import strip_control_chars
from handlers.core import audit
from handlers.people import leavers
from handlers.people.phones import BadPhone, to_e164
from handlers.people.zones import resolve_timezone
from storage.models import Person, Role

HEADER = ("role", "name", "phone", "kabupaten", "kecamatan", "supervisor_phone", "timezone")
# Optional: on a supervisor's row, the supervisor who stands in when they do not answer.
BACKUP = "backup_supervisor_phone"
# Optional: the province; a korwil covers the kabupaten of their province.
PROVINSI = "provinsi"
# Optional: whether the person is (still) staff; empty means yes.
ACTIVE = "active"
ACTIVE_VALUES = dict.fromkeys(("ya", "y", "yes", "true", "1"), True)
ACTIVE_VALUES |= dict.fromkeys(("tidak", "t", "no", "false", "0"), False)
# The longest text each stored field takes (the column sizes in storage.models.Person).
LIMITS = (("name", 200), ("kabupaten", 100), ("kecamatan", 100), (PROVINSI, 100))
# Who may be named in supervisor_phone, by the role of the row. A korkab and a korwil name
# nobody: a korkab's korwil is found by province, not by link.
SUPERIOR_ROLE = {Role.PENDAMPING: Role.SUPERVISOR, Role.SUPERVISOR: Role.KORKAB}


@dataclass
class Rejection:
    """Why a row was rejected, or a warning about it: a message catalog key (under
    `roster.reason.`) and its values, so the dashboard shows it in the reader's language."""

    line: int | None  # None: about the roster as a whole, or someone not in this file
    key: str
    params: dict[str, str | int] = field(default_factory=dict)

    def reason(self, t: Catalog | None = None) -> str:
        """In `t`'s language; in English (the CLI's) without one."""
        return (t or load_catalog("en"))(f"roster.reason.{self.key}", **self.params)


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[Rejection] = field(default_factory=list)

    def summary(self) -> str:
        """For the CLI and the log, in English."""
        lines = [
            f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
            f"rejected {len(self.rejected)}"
        ]
        lines += [f"  line {r.line}: {r.reason()}" for r in self.rejected]
        lines += [
            f"  line {r.line}: warning: {r.reason()}" if r.line else f"  warning: {r.reason()}"
            for r in self.warnings
        ]
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
    provinsi: str = ""
    active: bool = True


class RosterError(ValueError):
    """The file as a whole cannot be read (wrong header, not CSV)."""

    def __init__(self, key: str, **params: str | int) -> None:
        self.why = Rejection(None, key, params)
        super().__init__(self.why.reason())

    def reason(self, t: Catalog | None = None) -> str:
        return self.why.reason(t)


def _clean(value: str | None) -> str:
    """A field as stored: no control characters (PostgreSQL rejects NUL), no line breaks or
    tabs inside, no runs of spaces."""
    return " ".join(strip_control_chars(value or "").split())


@dataclass(frozen=True)
class _Columns:
    """Which optional columns the file has: a missing one leaves the stored value alone."""

    backup: bool
    provinsi: bool
    active: bool


def _parse(text: str, default_tz: str, report: ImportReport) -> tuple[list[_Row], _Columns]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        fieldnames = reader.fieldnames or ()
    except csv.Error as exc:
        raise RosterError("not_csv", detail=str(exc)) from exc
    header = tuple(_clean(h).lower() for h in fieldnames)
    missing = [h for h in HEADER if h not in header]
    if missing:
        raise RosterError("bad_header", header=",".join(HEADER), missing=", ".join(missing))
    columns = _Columns(BACKUP in header, PROVINSI in header, ACTIVE in header)
    rows: list[_Row] = []
    seen_phones: dict[str, int] = {}
    try:
        for raw in reader:
            row = _parse_row(reader.line_num, raw, default_tz, seen_phones, report)
            if row is not None:
                rows.append(row)
    except csv.Error as exc:
        raise RosterError("bad_csv_line", line=reader.line_num, detail=str(exc)) from exc
    return rows, columns


def _parse_row(
    line: int,
    raw: dict[str | None, str | list[str] | None],
    default_tz: str,
    seen_phones: dict[str, int],
    report: ImportReport,
) -> _Row | None:
    values = {_clean(k).lower(): _clean(v) for k, v in raw.items() if k and not isinstance(v, list)}
    if not any(values.values()):
        return None
    role = values["role"].lower()
    if role not in set(Role):
        report.rejected.append(Rejection(line, "unknown_role", {"role": values["role"]}))
        return None
    if not values["name"]:
        report.rejected.append(Rejection(line, "name_empty"))
        return None
    too_long = [f"{k} ({n})" for k, n in LIMITS if len(values.get(k, "")) > n]
    if too_long:  # PostgreSQL would refuse the whole import
        report.rejected.append(Rejection(line, "too_long", {"fields": ", ".join(too_long)}))
        return None
    phones: dict[str, str | None] = {}
    for column in ("phone", "supervisor_phone", BACKUP):
        raw = values.get(column, "")
        try:
            phones[column] = to_e164(raw) if raw or column == "phone" else None
        except BadPhone:
            report.rejected.append(Rejection(line, "bad_phone", {"column": column, "value": raw}))
            return None
    phone, boss, backup = phones["phone"] or "", phones["supervisor_phone"], phones[BACKUP]
    if phone in seen_phones:
        first = seen_phones[phone]
        report.rejected.append(Rejection(line, "duplicate_phone", {"phone": phone, "first": first}))
        return None
    zone_name = values["timezone"] or default_tz
    try:
        zone = resolve_timezone(zone_name)
    except ValueError:
        report.rejected.append(Rejection(line, "bad_timezone", {"value": zone_name}))
        return None
    active = ACTIVE_VALUES.get(values.get(ACTIVE, "").lower() or "ya")
    if active is None:
        report.rejected.append(Rejection(line, "bad_active", {"value": values[ACTIVE]}))
        return None
    seen_phones[phone] = line
    provinsi = values.get(PROVINSI, "")
    if role == Role.KORWIL and not provinsi:
        report.warnings.append(Rejection(line, "korwil_without_provinsi"))
    if boss is not None and role not in SUPERIOR_ROLE:
        params = {"role": role, "phone": boss}
        report.warnings.append(Rejection(line, "superior_ignored", params))
        boss = None
    return _Row(
        line,
        role,
        values["name"],
        phone,
        values["kabupaten"],
        values["kecamatan"],
        boss,
        zone,
        backup,
        provinsi,
        active,
    )


def _link_problem(
    row: _Row, file_roles: dict[str, str], existing: dict[str, Person]
) -> Rejection | None:
    """Why this row's supervisor link cannot be made, or None when it can (or there is none)."""
    if row.supervisor_phone is None:
        return None
    wanted = SUPERIOR_ROLE.get(row.role)
    boss_role = file_roles.get(row.supervisor_phone) or (
        existing[row.supervisor_phone].role if row.supervisor_phone in existing else None
    )
    if boss_role is None:
        return Rejection(row.line, "unknown_supervisor", {"phone": row.supervisor_phone})
    if wanted is None or boss_role != wanted:
        params = {
            "phone": row.supervisor_phone,
            "boss_role": boss_role,
            "wanted": wanted or "nobody",
            "role": row.role,
        }
        return Rejection(row.line, "wrong_supervisor", params)
    return None


def _backup_problem(
    row: _Row, file_roles: dict[str, str], existing: dict[str, Person]
) -> Rejection | None:
    """Why a named backup cannot be kept (the row itself still loads, without a backup)."""
    if row.backup_phone is None:
        return None
    if row.role != Role.SUPERVISOR or row.backup_phone == row.phone:
        return Rejection(row.line, "backup_only_for_supervisors", {"column": BACKUP})
    backup_role = file_roles.get(row.backup_phone) or (
        existing[row.backup_phone].role if row.backup_phone in existing else None
    )
    if backup_role != Role.SUPERVISOR:
        params = {"phone": row.backup_phone, "column": BACKUP}
        return Rejection(row.line, "backup_not_a_supervisor", params)
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
                report.rejected.append(problem)
        if len(still) == len(kept):
            return still
        kept = still


def import_roster(session: Session, text: str, default_tz: str) -> ImportReport:
    report = ImportReport()
    rows, columns = _parse(text, default_tz, report)
    existing = {p.phone: p for p in session.scalars(select(Person))}
    accepted = _check_links(rows, existing, report)
    report.rejected.sort(key=lambda r: r.line or 0)
    file_roles = {row.phone: row.role for row in accepted}
    for index, row in enumerate(accepted):
        problem = _backup_problem(row, file_roles, existing)
        if problem is not None:
            report.warnings.append(problem)
            accepted[index] = replace(row, backup_phone=None)

    people: dict[str, Person] = dict(existing)
    changed: set[str] = set()
    leaving: list[Person] = []  # active until this file
    for row in accepted:
        person = people.get(row.phone)
        fields: dict[str, object] = {
            "role": row.role,
            "name": row.name,
            "kabupaten": row.kabupaten,
            "kecamatan": row.kecamatan,
            "timezone": row.timezone,
        }
        optional = {"provinsi": columns.provinsi, "active": columns.active}
        fields |= {k: getattr(row, k) for k, given in optional.items() if given or person is None}
        if person is None:
            person = Person(phone=row.phone, **fields)
            session.add(person)
            people[row.phone] = person
            report.added += 1
            audit.record(session, "roster.added", "person", row.phone, role=row.role)
            continue
        turned = fields.get("active", person.active) != person.active
        if turned and row.active:
            audit.record(session, "roster.reactivated", "person", row.phone)
        elif turned:
            audit.record(session, "roster.deactivated", "person", row.phone)
            leaving.append(person)
        if any(getattr(person, k) != v for k, v in fields.items()):
            for key, value in fields.items():
                setattr(person, key, value)
            changed.add(row.phone)
    session.flush()

    for row in accepted:
        person = people[row.phone]
        boss_id = people[row.supervisor_phone].id if row.supervisor_phone else None
        if columns.backup:
            backup_id = people[row.backup_phone].id if row.backup_phone else None
        else:
            backup_id = person.backup_id  # no column: the stored backup stays
        if (person.supervisor_id, person.backup_id) != (boss_id, backup_id):
            person.supervisor_id, person.backup_id = boss_id, backup_id
            if row.phone in existing:
                changed.add(row.phone)
    lines = {row.phone: row.line for row in accepted}
    changed |= _unlink_stranded(people, lines, report)
    session.flush()
    leavers.stop_messages(session, leaving)
    notices = leavers.left_behind(session, people.values(), leaving, lines)
    report.warnings += [Rejection(*notice) for notice in notices]
    changed &= existing.keys()  # a person added now is counted as added, not updated
    for phone in sorted(changed):
        audit.record(session, "roster.updated", "person", phone)
    report.updated = len(changed)
    report.unchanged = len({phone for phone in lines if phone in existing} - changed)
    if not any(_is_desk_admin(p) for p in people.values()):
        report.warnings.append(Rejection(None, "no_desk_admin"))
    session.flush()
    return report


def _is_desk_admin(person: Person) -> bool:
    return person.role == Role.ADMIN and person.active and not person.kabupaten


def _unlink_stranded(
    people: dict[str, Person], lines: dict[str, int], report: ImportReport
) -> set[str]:
    """Undo the links that no longer fit the roles: a pendamping whose supervisor is no longer
    a supervisor, a supervisor whose korkab is no longer a korkab, a backup who is no longer a
    supervisor (or of someone no longer a supervisor). Each one is unlinked and reported, so a
    partial file cannot leave anyone reporting to the wrong person. Returns the phones changed."""
    by_id = {p.id: p for p in people.values()}
    changed: set[str] = set()
    in_order = sorted(
        people.values(), key=lambda p: (p.phone not in lines, lines.get(p.phone, 0), p.id)
    )
    for person in in_order:
        boss = by_id.get(person.supervisor_id) if person.supervisor_id else None
        if boss is not None and boss.role != SUPERIOR_ROLE.get(person.role):
            report.warnings.append(_stranded(person, "supervisor_phone", boss, boss, lines))
            person.supervisor_id = None
            changed.add(person.phone)
        backup = by_id.get(person.backup_id) if person.backup_id else None
        if backup is not None and backup.role != Role.SUPERVISOR:
            report.warnings.append(_stranded(person, BACKUP, backup, backup, lines))
        elif backup is not None and person.role != Role.SUPERVISOR:
            report.warnings.append(_stranded(person, BACKUP, backup, person, lines))
        else:
            continue
        person.backup_id = None
        changed.add(person.phone)
    return changed


def _stranded(
    person: Person, link: str, linked: Person, changed: Person, lines: dict[str, int]
) -> Rejection:
    """`person` was unlinked from `linked` (named in their column `link`) because `changed`,
    one of the two, now has another role."""
    in_file = person.phone in lines
    params: dict[str, str | int] = {
        "role": person.role,
        "name": person.name,
        "phone": person.phone,
        "link": link,
        "linked_name": linked.name,
        "linked_phone": linked.phone,
        "now_role": changed.role,
    }
    who = "linked" if changed is linked else "self"
    return Rejection(
        lines.get(person.phone), f"unlinked_{who}{'' if in_file else '_outside'}", params
    )


def import_roster_file(session: Session, path: Path, default_tz: str) -> ImportReport:
    return import_roster(session, path.read_text(encoding="utf-8-sig"), default_tz)
