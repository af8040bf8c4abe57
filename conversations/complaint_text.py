"""Reading a complaint's free text in everyday Bahasa Indonesia: a category guess, and whether it
tells of danger (violence against a child, domestic violence, a life at risk).

A pattern is a few word stems that must all appear, in any order, anywhere in the text ("kartu"
+ "telan" finds "ATM saya ketelan mesin"). Slang and abbreviations are expanded first ("blm",
"ga", "atm", "duit"), and each stem also matches a close misspelling (rapidfuzz).
"""

from __future__ import annotations

from rapidfuzz import fuzz

from conversations.choices import normalise

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
CATEGORY_PATTERNS: dict[str, tuple[Pattern, ...]] = {
    "perilaku_pendamping": (
        ("pendamping", "pegang"), ("pendamping", "tahan"), ("pendamping", "minta"),
        ("pendamping", "tidak", "datang"), ("pendamping", "tidak", "hadir"),
        ("pendamping", "kasar"), ("pendamping", "jarang"), ("potong",), ("pungut",),
    ),
    "lupa_pin": (("lupa", "pin"), ("pin", "salah"), ("pin", "blokir"), ("ganti", "pin")),
    "kks_bermasalah": (
        ("kartu", "hilang"), ("kartu", "telan"), ("kartu", "blokir"), ("kartu", "rusak"),
        ("kartu", "patah"), ("kartu", "tidak", "bisa"),
    ),
    "bantuan_tidak_diterima": (
        ("belum", "cair"), ("tidak", "cair"), ("saldo", "nol"), ("saldo", "kosong"),
        ("uang", "tidak", "masuk"), ("belum", "terima"), ("tidak", "terima", "bantuan"),
        ("tidak", "dapat", "bantuan"), ("belum", "dapat"),
    ),
    "data_tidak_sesuai": (
        ("nama", "salah"), ("data", "salah"), ("data", "sesuai"), ("anggota", "keluarga"),
        ("nik", "salah"), ("tanggal", "lahir"), ("alamat", "salah"),
    ),
    "tidak_terdaftar": (
        ("tidak", "terdaftar"), ("belum", "terdaftar"), ("padahal", "miskin"),
        ("padahal", "layak"), ("dtks",), ("mau", "daftar"), ("ingin", "daftar"),
    ),
    "p2k2": (("p2k2",), ("fds",), ("pertemuan", "kelompok")),
}  # fmt: skip

DANGER_PATTERNS: tuple[Pattern, ...] = (
    ("anak", "pukul"), ("anak", "siksa"), ("anak", "aniaya"), ("anak", "jual"),
    ("anak", "hilang"), ("kekerasan",), ("leceh",), ("cabul",), ("perkosa",), ("kdrt",),
    ("suami", "pukul"), ("istri", "pukul"), ("suami", "mukul"), ("anak", "mukul"),
    ("aniaya",), ("bunuh", "diri"), ("ingin", "mati"),
    ("mau", "mati"), ("ancam", "bunuh"), ("sekarat",), ("pingsan",), ("culik",),
)  # fmt: skip

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


def guess_category(text: str) -> str | None:
    """The most likely category for a free-text description, or None when nothing fits."""
    words = tokens(text)
    best: tuple[int, str] | None = None
    for category, patterns in CATEGORY_PATTERNS.items():
        for pattern in patterns:
            if _matches(pattern, words) and (best is None or len(pattern) > best[0]):
                best = (len(pattern), category)
    return best[1] if best else None


def tells_of_danger(text: str) -> bool:
    words = tokens(text)
    return any(_matches(pattern, words) for pattern in DANGER_PATTERNS)
