"""Match a typed answer to one of the offered options: by number, by label, or by close spelling."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from rapidfuzz import fuzz, process, utils

from conversations.messages import Option

FUZZY_CUTOFF = 80.0
# A fuzzy guess must beat the runner-up clearly, or we ask again instead of guessing.
FUZZY_MARGIN = 8.0
# Close enough to be offered back as "did you mean" for a list too long to show.
CLOSE_CUTOFF = 70.0
_NUMBER = re.compile(r"^\s*(?:no\.?|nomor|pilih(?:an)?)?\s*(\d{1,2})\s*[.)]?\s*$", re.IGNORECASE)
_PUNCTUATION = re.compile(r"[^\w\s]")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_PUNCTUATION.sub(" ", text).split())


def match_option(answer: str, options: Sequence[Option], fuzzy: bool = True) -> Option | None:
    """The option an answer names by number or label; `fuzzy` also allows a close spelling."""
    if not options or not answer.strip():
        return None
    number = _NUMBER.match(answer)
    if number:
        index = int(number.group(1)) - 1
        return options[index] if 0 <= index < len(options) else None
    wanted = normalise(answer)
    for option in options:
        if wanted in (normalise(option.label), normalise(option.value)):
            return option
    if not fuzzy:
        return None
    labels = [normalise(o.label) for o in options]
    return _clear_winner(_ranked(wanted, labels, options, 2))


def search_options(
    answer: str, options: Sequence[Option], limit: int
) -> tuple[Option | None, list[Option]]:
    """A typed answer among options that are not listed (so a number names none of them): the
    one it names by label, by the first words of its label or by a spelling close to that one
    only, else up to `limit` whose labels are close to it, closest first. The labels are
    normalised and ranked once."""
    wanted = normalise(answer)
    if not wanted or _NUMBER.match(answer):
        return None, []
    labels = [normalise(o.label) for o in options]
    for option, label in zip(options, labels, strict=True):
        if wanted in (label, normalise(option.value)):
            return option, []
    # The first words of one label only: "citra saputra" for "Citra Saputra, Rabu 09:00 WIB".
    starting = [
        o for o, label in zip(options, labels, strict=True) if label.startswith(f"{wanted} ")
    ]
    if len(starting) == 1:
        return starting[0], []
    ranked = _ranked(wanted, labels, options, limit, CLOSE_CUTOFF)
    winner = _clear_winner(ranked)
    return (winner, []) if winner else (None, [option for option, _score in ranked])


def _ranked(
    wanted: str, labels: list[str], options: Sequence[Option], limit: int, cutoff: float = 0.0
) -> list[tuple[Option, float]]:
    found = process.extract(
        wanted,
        labels,
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        limit=limit,
        score_cutoff=cutoff,
    )
    return [(options[index], score) for _label, score, index in found]


def _clear_winner(ranked: list[tuple[Option, float]]) -> Option | None:
    """The best of a ranking, if close enough and clearly ahead of the runner-up."""
    if not ranked or ranked[0][1] < FUZZY_CUTOFF:
        return None
    if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < FUZZY_MARGIN:
        return None
    return ranked[0][0]
