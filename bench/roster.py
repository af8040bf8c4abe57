"""A generated roster: one korkab, S supervisors (one kabupaten each), P pendamping each, spread
over about fifteen kecamatan per kabupaten, imported through
`handlers.people.roster.import_roster`."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from handlers.people.roster import HEADER

KECAMATAN_PER_KABUPATEN = 15
_FRONT = ("Karang", "Sumber", "Watu", "Tegal", "Banyu", "Kali", "Gunung", "Wono", "Sido", "Pule")
_BACK = ("rejo", "sari", "agung", "mulyo", "asri", "jati", "wangi", "harjo", "makmur", "legi")
_SIDES = ("Lor", "Kidul", "Wetan", "Kulon", "Tengah", "Baru")
_NAMES = ("Sari", "Agus", "Rina", "Budi", "Wati", "Joko", "Dewi", "Eko", "Lina", "Hadi", "Tuti")
_SURNAMES = ("Rahayu", "Santoso", "Wulandari", "Pratama", "Lestari", "Saputra", "Hidayat")


@dataclass(frozen=True)
class Roster:
    csv: str
    supervisors: list[str]
    pendamping: list[str]  # phones, in supervisor order
    places: list[tuple[str, str]]  # (kabupaten, kecamatan) of every kecamatan with a pendamping


def _place_names() -> list[str]:
    """Distinct two-part names ("Karangrejo", "Sumbersari", ... then "Karangrejo Lor", ...)."""
    base = [a + b for a, b in itertools.product(_FRONT, _BACK)]
    return base + [f"{name} {side}" for side in _SIDES for name in base]


def phone(kind: int, a: int, b: int = 0) -> str:
    """Staff numbers: kind 0 korkab, 1 supervisor, 2 pendamping."""
    return f"0812{kind}{a:03d}{b:05d}"


def kpm_phone(n: int) -> str:
    return f"0857{n:08d}"


def generate(supervisors: int, pendamping_each: int) -> Roster:
    places = _place_names()
    korkab = phone(0, 0, 1)
    lines = [",".join(HEADER), f"korkab,Bambang Wijaya,{korkab},Jawa Timur,Surabaya,,WIB"]
    sup_phones, pend_phones, used = [], [], []
    for s in range(supervisors):
        kabupaten = f"Kabupaten {s + 1:02d}"
        sup = phone(1, s + 1)
        sup_phones.append(sup)
        lines.append(
            f"supervisor,Supervisor {s + 1:02d},{sup},{kabupaten},{kabupaten},{korkab},WIB"
        )
        local = places[s * KECAMATAN_PER_KABUPATEN : (s + 1) * KECAMATAN_PER_KABUPATEN]
        for p in range(pendamping_each):
            kecamatan = local[p % len(local)]
            name = f"{_NAMES[p % len(_NAMES)]} {_SURNAMES[(p + s) % len(_SURNAMES)]} {p + 1}"
            pend = phone(2, s + 1, p + 1)
            pend_phones.append(pend)
            lines.append(f"pendamping,{name},{pend},{kabupaten},{kecamatan},{sup},WIB")
        used += [(kabupaten, kecamatan) for kecamatan in local[:pendamping_each]]
    return Roster("\n".join(lines) + "\n", sup_phones, pend_phones, used)
