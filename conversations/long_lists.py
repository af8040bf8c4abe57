"""What a step lists and what it accepts, when its data may offer more options than a chat can
show: a national roster has hundreds of kabupaten, Telegram refuses more than 100 buttons, and a
WhatsApp list of hundreds runs over several messages whose later numbers cannot be typed.

Such a step lists none of its data's options: the answer is typed and matched against them
all, and a name close to several is answered with those few (the shortlist, kept in the
state's data until the step is answered) to choose from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from conversations.choices import search_options
from conversations.messages import Option

LIST_LIMIT = 30  # more options from data than this are typed, not listed
SHORTLIST = 8  # close matches of a typed name offered back to choose from
SHORTLIST_KEY = "_shortlist"  # in a state's data while a step offers its close matches


@dataclass(frozen=True)
class Choices:
    """What a step accepts (`accepted`) and what it lists (`listed`): the same, unless the
    data offers more than LIST_LIMIT (`searched`): then only the shortlist is listed."""

    accepted: tuple[Option, ...]
    listed: tuple[Option, ...]
    searched: tuple[Option, ...] = ()


def step_choices(
    offered: Sequence[Option], fixed: Sequence[Option], multiple: bool, data: Mapping[str, Any]
) -> Choices:
    """`offered` from data, then the step's `fixed` options (its own and the engine's). A step
    of several picks keeps its whole list: picks are toggled one by one from it."""
    accepted = (*offered, *fixed)
    if len(offered) <= LIST_LIMIT or multiple:
        return Choices(accepted, accepted)
    shortlist = set(data.get(SHORTLIST_KEY) or ())
    listed = (*(o for o in offered if o.value in shortlist), *fixed)
    return Choices(accepted, listed, tuple(offered))


def look_up(answer: str, searched: Sequence[Option]) -> tuple[Option | None, list[Option]]:
    """A typed answer among options not listed: the one it names (by label or a spelling close
    to one only; a number names nothing), else up to SHORTLIST close to it, closest first."""
    return search_options(answer, searched, SHORTLIST)


def with_shortlist(data: Mapping[str, Any], close: Sequence[Option]) -> dict[str, Any]:
    return {**data, SHORTLIST_KEY: [option.value for option in close]}
