"""Which rostered person a complaint's text names: the whole name in order beats a title and a
first name, close misspellings count, and a tie names no one. Checked against a plain reference
reading (each name against every word, as the first version did) on generated texts."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from conversations.choices import normalise
from conversations.complaint_text import FUZZY_NAME, HONORIFICS, MIN_NAME, named_person

PEOPLE = [(1, "Sari Rahayu"), (2, "Agus Santoso"), (3, "Sari Wulandari"), (4, "Rina"), (5, "Ani")]


def test_the_whole_name_beats_a_first_name() -> None:
    assert named_person("bu sari rahayu tidak pernah datang", PEOPLE) == 1
    assert named_person("pendamping kami Sari Wulandari minta uang", PEOPLE) == 3


def test_a_title_and_a_first_name_name_someone_only_when_one_fits() -> None:
    assert named_person("pak agus minta potongan", PEOPLE) == 2
    assert named_person("bu sari minta potongan", PEOPLE) is None  # two Saris: no one
    assert named_person("ibu rina tidak datang", PEOPLE) == 4


def test_a_close_misspelling_counts_and_short_names_must_be_exact() -> None:
    assert named_person("pendamping agus santosa tidak datang", PEOPLE) == 2
    assert named_person("bu anik datang", PEOPLE) is None  # "Ani": too short to guess at
    assert named_person("bantuan belum masuk", PEOPLE) is None


def _reference(text: str, people: list[tuple[int, str]]) -> int | None:
    def same(typed: str, name: str) -> bool:
        return typed == name or (
            len(name) >= 4 and len(typed) >= 4 and fuzz.ratio(typed, name) >= FUZZY_NAME
        )

    def strength(words: list[str], name: str) -> int:
        parts = [p for p in normalise(name).split() if len(p) >= MIN_NAME]
        if not parts:
            return 0
        for start in range(len(words) - len(parts) + 1):
            window = words[start : start + len(parts)]
            if len(parts) > 1 and all(map(same, window, parts)):
                return 2
        pairs = itertools.pairwise(words)
        return int(any(t in HONORIFICS and same(w, parts[0]) for t, w in pairs))

    words = normalise(text).split()
    scored = sorted(((s, i) for i, n in people if (s := strength(words, n))), key=lambda p: -p[0])
    if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
        return None
    return scored[0][1]


NAME_WORDS = ["sari", "sary", "rahayu", "agus", "santosa", "santoso", "rina", "ani", "wulan", "tri"]
WORDS = [*NAME_WORDS, "bu", "pak", "ibu", "mas", "uang", "belum", "datang", "kartu", "di"]
names = st.lists(st.sampled_from(NAME_WORDS), min_size=1, max_size=3).map(" ".join)


@settings(max_examples=300)
@given(
    text=st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join),
    people=st.lists(names, max_size=8).map(lambda ns: list(enumerate(ns, 1))),
)
def test_the_same_person_as_the_reference_reading(text: str, people: list[tuple[int, str]]) -> None:
    assert named_person(text, people) == _reference(text, people)
