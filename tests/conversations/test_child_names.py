"""Children's names after a word for a child are masked (`mask_child_names`): examples, what is
left alone, and its properties."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from conversations.privacy import NAME_MASK, mask_child_names


@pytest.mark.parametrize(
    ("typed", "masked"),
    [
        ("anaknya Budi mulai sekolah", "anaknya [nama] mulai sekolah"),
        ("si Ayu sudah bisa membaca", "si [nama] sudah bisa membaca"),
        ("Si Ayu sudah bisa membaca", "Si [nama] sudah bisa membaca"),
        ("putri bungsunya Rina Sari lulus", "putri bungsunya [nama] lulus"),
        ("An. Dimas (7 th) rajin", "An. [nama] (7 th) rajin"),
        ("anak-anaknya Budi dan Sinta, Ayu sekolah", "anak-anaknya [nama] sekolah"),
        ("anak yang bernama budi", "anak yang bernama [nama]"),
        ("Anak pertama: Budi.", "Anak pertama: [nama]."),
        ("adik B. rajin", "adik [nama] rajin"),
        ("anak ke-2 Joko", "anak ke-2 [nama]"),
        ("balitanya Putri ditimbang", "balitanya [nama] ditimbang"),
        ("cucunya Agus tinggal bersama", "cucunya [nama] tinggal bersama"),
    ],
)
def test_a_name_after_a_child_word_is_masked(typed: str, masked: str) -> None:
    assert mask_child_names(typed) == masked


@pytest.mark.parametrize(
    "kept",
    [
        "anak SD di desa Ngares",  # an acronym is not a name
        "balita PAUD Melati",
        "anak Bu Sri sehat",  # the parent, named by a title
        "anaknya sudah sekolah. Sekarang Budi bekerja",  # not right after the child word
        "si kecil sehat",
        "Pak Budi bekerja di pasar",
        "pelatihan. Dimas datang",  # "an." inside a word is not "An."
    ],
)
def test_other_words_are_left_alone(kept: str) -> None:
    assert mask_child_names(kept) == kept


CHILD_WORDS = ("anak", "anaknya", "Anaknya", "putra", "putri", "putrinya", "si", "Si", "adik")
CHILD_WORDS += ("adiknya", "balita", "bayinya", "cucu", "An.", "anak-anak")
CONNECTORS = ("", " pertama", " bungsunya", " yang", " ke-2", " perempuan")
TITLES = {"Bu", "Ibu", "Pak", "Bapak", "Mbak", "Mas", "Bpk", "Sdr"}
names = st.from_regex(r"[A-Z][a-z]{1,9}", fullmatch=True).filter(lambda n: n not in TITLES)
lower_words = st.lists(st.from_regex(r"[a-z]{1,8}", fullmatch=True), max_size=5)


@given(
    st.sampled_from(CHILD_WORDS),
    st.sampled_from(CONNECTORS),
    st.lists(names, min_size=1, max_size=3),
    lower_words,
    lower_words,
)
def test_no_name_after_a_child_word_survives(
    child: str, connector: str, full_name: list[str], before: list[str], after: list[str]
) -> None:
    prefix = " ".join(before) + " " if before else ""
    suffix = " " + " ".join(after) if after else ""
    assume(not re.search(r"(?i)\b(?:dan|bernama|namanya|an)$", prefix.strip()))
    text = f"{prefix}{child}{connector} {' '.join(full_name)}{suffix}"
    masked = mask_child_names(text)
    assert masked == f"{prefix}{child}{connector} {NAME_MASK}{suffix}"
    assert mask_child_names(masked) == masked  # masking twice changes nothing more


CHILD_WORD = re.compile(r"(?i)(?<![^\W\d_])(?:anak|putra|putri|adik|adek|balita|bayi|cucu|si|an\.)")


@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200))
def test_text_without_child_words_is_unchanged(text: str) -> None:
    assume(not CHILD_WORD.search(text))
    assert mask_child_names(text) == text


@given(st.lists(st.sampled_from(["anaknya", "Budi", "si", "SD", "dan", ",", "An.", "x"])))
def test_masking_is_idempotent(words: list[str]) -> None:
    once = mask_child_names(" ".join(words))
    assert mask_child_names(once) == once
