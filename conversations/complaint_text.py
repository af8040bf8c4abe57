"""Reading a complaint's free text in everyday Bahasa Indonesia: a category guess, whether it
tells of danger (violence against a child, domestic violence, a life at risk), whether it reads
as a complaint about a pendamping's conduct, and which rostered pendamping it names.

A pattern is a few word stems that must all appear, in any order, anywhere in the text ("kartu"
+ "telan" finds "ATM saya ketelan mesin"). Slang and abbreviations are expanded first ("blm",
"ga", "atm", "duit"), and each stem also matches a close misspelling (rapidfuzz).
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz

from conversations.choices import normalise
from storage.vocabulary import ComplaintCategory

SLANG = {
    "blm": "belum", "blum": "belum", "blom": "belum", "lom": "belum", "ga": "tidak",
    "gak": "tidak", "nggak": "tidak", "ngga": "tidak", "tdk": "tidak", "g": "tidak",
    "enggak": "tidak", "duit": "uang", "atm": "kartu", "kks": "kartu", "dpt": "dapat",
    "udh": "sudah", "udah": "sudah", "sdh": "sudah", "yg": "yang", "krn": "karena",
    "pdhl": "padahal", "sy": "saya", "sya": "saya", "bansos": "bantuan", "ilang": "hilang",
    "ortu": "orang tua", "laki": "suami", "bojo": "suami",
}  # fmt: skip

Pattern = tuple[str, ...]

# More specific categories first: a tie goes to the earlier one.
CATEGORY_PATTERNS: dict[ComplaintCategory, tuple[Pattern, ...]] = {
    ComplaintCategory.PENDAMPING_CONDUCT: (
        ("pendamping", "pegang"), ("pendamping", "tahan"), ("pendamping", "minta"),
        ("pendamping", "tidak", "datang"), ("pendamping", "tidak", "hadir"),
        ("pendamping", "kasar"), ("pendamping", "jarang"), ("potong",), ("pungut",),
    ),
    ComplaintCategory.FORGOT_PIN: (
        ("lupa", "pin"), ("pin", "salah"), ("pin", "blokir"), ("ganti", "pin"),
    ),
    ComplaintCategory.CARD_PROBLEM: (
        ("kartu", "hilang"), ("kartu", "telan"), ("kartu", "blokir"), ("kartu", "rusak"),
        ("kartu", "patah"), ("kartu", "tidak", "bisa"),
    ),
    ComplaintCategory.NOT_RECEIVED: (
        ("belum", "cair"), ("tidak", "cair"), ("saldo", "nol"), ("saldo", "kosong"),
        ("uang", "tidak", "masuk"), ("belum", "terima"), ("tidak", "terima", "bantuan"),
        ("tidak", "dapat", "bantuan"), ("belum", "dapat"),
    ),
    ComplaintCategory.WRONG_DATA: (
        ("nama", "salah"), ("data", "salah"), ("data", "sesuai"), ("anggota", "keluarga"),
        ("nik", "salah"), ("tanggal", "lahir"), ("alamat", "salah"),
    ),
    ComplaintCategory.NOT_REGISTERED: (
        ("tidak", "terdaftar"), ("belum", "terdaftar"), ("padahal", "miskin"),
        ("padahal", "layak"), ("dtks",), ("mau", "daftar"), ("ingin", "daftar"),
    ),
    ComplaintCategory.P2K2: (("p2k2",), ("fds",), ("pertemuan", "kelompok")),
}  # fmt: skip

DANGER_PATTERNS: tuple[Pattern, ...] = (
    ("anak", "pukul"), ("anak", "siksa"), ("anak", "aniaya"), ("anak", "jual"),
    ("anak", "hilang"), ("kekerasan",), ("leceh",), ("cabul",), ("perkosa",), ("kdrt",),
    ("suami", "pukul"), ("istri", "pukul"), ("suami", "mukul"), ("anak", "mukul"),
    ("aniaya",), ("bunuh", "diri"), ("ingin", "mati"),
    ("mau", "mati"), ("ancam", "bunuh"), ("sekarat",), ("pingsan",), ("culik",),
)  # fmt: skip

# Conduct, whoever is meant: holding a card, cutting or collecting money, asking for payment,
# threats. The category guess needs the word "pendamping"; these do not.
CONDUCT_PATTERNS: tuple[Pattern, ...] = (
    ("kartu", "pegang"), ("kartu", "tahan"), ("kartu", "simpan"),
    ("buku", "tabung", "pegang"), ("potong",), ("pungut",), ("pungli",), ("minta", "uang"),
    ("minta", "bayar"), ("suruh", "bayar"), ("harus", "bayar"), ("minta", "jatah"),
    ("ancam",), ("intimidasi",), ("pendamping", "kasar"), ("pendamping", "marah"),
)  # fmt: skip

# Words people put before a name: "bu Sari", "pak Agus", "pendamping Sari Rahayu".
HONORIFICS = frozenset(
    {"bu", "ibu", "bunda", "pak", "bapak", "mbak", "mba", "mas", "kak", "teh", "bang", "bung",
     "pendamping", "petugas", "sdr", "saudara", "saudari"}
)  # fmt: skip
FUZZY_NAME = 85.0
MIN_NAME = 3

FUZZY_WORD = 80.0


def tokens(text: str) -> list[str]:
    expanded = " ".join(SLANG.get(word, word) for word in normalise(text).split())
    return expanded.split()


def _has(stem: str, words: list[str]) -> bool:
    """A word is the stem, starts with it ("pinnya"), holds it ("ketelan"), or nearly so."""
    for word in words:
        if word.startswith(stem) or (len(stem) >= 4 and stem in word):
            return True
        if 5 <= len(stem) <= len(word) and fuzz.partial_ratio(stem, word) >= FUZZY_WORD:
            return True
    return False


def _matches(pattern: Pattern, words: list[str]) -> bool:
    return all(_has(stem, words) for stem in pattern)


def guess_category(text: str) -> ComplaintCategory | None:
    """The most likely category for a free-text description, or None when nothing fits."""
    words = tokens(text)
    best: tuple[int, ComplaintCategory] | None = None
    for category, patterns in CATEGORY_PATTERNS.items():
        for pattern in patterns:
            if _matches(pattern, words) and (best is None or len(pattern) > best[0]):
                best = (len(pattern), category)
    return best[1] if best else None


def tells_of_danger(text: str) -> bool:
    words = tokens(text)
    return any(_matches(pattern, words) for pattern in DANGER_PATTERNS)


def reads_as_conduct(text: str) -> bool:
    """The words describe a pendamping's (or any officer's) misconduct."""
    words = tokens(text)
    return any(_matches(pattern, words) for pattern in CONDUCT_PATTERNS)


def _same_name(typed: str, name: str) -> bool:
    return typed == name or (
        len(name) >= 4 and len(typed) >= 4 and fuzz.ratio(typed, name) >= FUZZY_NAME
    )


class _NameSpots:
    """Where in the text each name part stands (the word positions `_same_name` accepts), found
    once per part: the pendamping of a kabupaten (about 400 at national scale) share many name
    parts, and each part costs a fuzzy comparison with every word of the text."""

    def __init__(self, words: list[str]) -> None:
        self.words = words
        self._spots: dict[str, frozenset[int]] = {}

    def of(self, part: str) -> frozenset[int]:
        spots = self._spots.get(part)
        if spots is None:
            spots = frozenset(i for i, typed in enumerate(self.words) if _same_name(typed, part))
            self._spots[part] = spots
        return spots


def _strength(spots: _NameSpots, name: str) -> int:
    """2: the whole name in order; 1: a title followed by the first name; 0: not named."""
    parts = [p for p in normalise(name).split() if len(p) >= MIN_NAME]
    if not parts:
        return 0
    first = spots.of(parts[0])
    if len(parts) > 1:
        for start in first:
            if all(start + k in spots.of(part) for k, part in enumerate(parts[1:], 1)):
                return 2
    words = spots.words
    return int(any(i > 0 and words[i - 1] in HONORIFICS for i in first))


def named_person(text: str, people: Sequence[tuple[int, str]]) -> int | None:
    """The id of the person whose name the text uses ("bu Sari", "Sari Rahayu"); the whole name
    wins over a first name; None when no one, or no one clearly, is named."""
    spots = _NameSpots(normalise(text).split())
    scored = sorted(
        (
            (strength, person_id)
            for person_id, name in people
            if (strength := _strength(spots, name))
        ),
        key=lambda pair: (-pair[0], pair[1]),
    )
    if not scored:
        return None
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        return None  # two people fit as well: naming neither is better than naming the wrong one
    return scored[0][1]
