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


def match_option(
    answer: str, options: Sequence[Option], fuzzy: bool = True, numbers: bool = True
) -> Option | None:
    """The option an answer names by number (unless `numbers` is false: options not listed
    have none) or label; `fuzzy` also allows a close spelling."""
    if not options or not answer.strip():
        return None
    number = _NUMBER.match(answer)
    if number:
        if not numbers:
            return None
        index = int(number.group(1)) - 1
        return options[index] if 0 <= index < len(options) else None
    wanted = normalise(answer)
    for option in options:
        if wanted in (normalise(option.label), normalise(option.value)):
            return option
    if not fuzzy:
        return None
    labels = [normalise(o.label) for o in options]
    ranked = process.extract(
        wanted, labels, scorer=fuzz.WRatio, processor=utils.default_process, limit=2
    )
    if not ranked or ranked[0][1] < FUZZY_CUTOFF:
        return None
    if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < FUZZY_MARGIN:
        return None
    return options[ranked[0][2]]


def close_options(answer: str, options: Sequence[Option], limit: int) -> list[Option]:
    """Up to `limit` options whose labels are close to a typed answer, closest first: what a
    name typed for a list too long to show may have meant."""
    wanted = normalise(answer)
    if not wanted or _NUMBER.match(answer):
        return []
    labels = [normalise(o.label) for o in options]
    ranked = process.extract(
        wanted,
        labels,
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        limit=limit,
        score_cutoff=CLOSE_CUTOFF,
    )
    return [options[index] for _label, _score, index in ranked]
