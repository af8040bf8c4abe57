"""Message catalogs: every user-facing text lives in `catalogs/<lang>.toml`, never in logic."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

CATALOG_DIR = Path(__file__).parent / "catalogs"
LANGUAGES = ("id", "en")
GROUPED_FROM = 10_000


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


def _read(path: Path) -> dict[str, str]:
    with path.open("rb") as handle:
        return _flatten(tomllib.load(handle))


@cache
def load_catalog(language: str) -> Catalog:
    """`catalogs/<lang>.toml` (the chat), merged with every `catalogs/<lang>/*.toml` (one file
    per web page or report, so each has its own texts); a key defined twice is an error."""
    if language not in LANGUAGES:
        raise ValueError(f"no catalog for language {language!r}")
    texts = _read(CATALOG_DIR / f"{language}.toml")
    for fragment in sorted((CATALOG_DIR / language).glob("*.toml")):
        more = _read(fragment)
        twice = sorted(set(texts) & set(more))
        if twice:
            raise ValueError(f"{fragment.name} defines keys again: {twice}")
        texts.update(more)
    return Catalog(language, texts)


class Catalog:
    def __init__(self, language: str, texts: dict[str, str]) -> None:
        self.language = language
        self.texts = texts

    def __call__(self, key: str, **params: Any) -> str:
        shown = {name: self._number(value) for name, value in params.items()}
        return self.texts[key].format(**shown).strip()

    def _number(self, value: Any) -> Any:
        """Counts from 10,000 up grouped as the language writes them ("120.000" in Indonesian).
        A bare run of six digits would also be taken for a PIN and masked on its way out
        ("****** kasus aktif" for a korwil's 120000 cases). Smaller numbers, years among them,
        stay as they are."""
        if type(value) is not int or abs(value) < GROUPED_FROM:
            return value
        grouped = f"{value:,}"
        return grouped.replace(",", ".") if self.language == "id" else grouped

    def has(self, key: str) -> bool:
        return key in self.texts


def in_sentence(label: str) -> str:
    """A label as it reads inside a sentence: "Kartu KKS hilang" -> "kartu KKS hilang", while
    acronyms keep their capitals ("P2K2", "WA/Telegram")."""
    first, _, rest = label.partition(" ")
    if not first or first.isupper() or any(ch.isdigit() for ch in first) or "/" in first:
        return label
    return first[0].lower() + first[1:] + (f" {rest}" if rest else "")
