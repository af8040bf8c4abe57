"""Reading complaint text: category guesses from everyday words, danger without false alarms."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.complaint_text import guess_category, tells_of_danger
from storage.vocabulary import ComplaintCategory


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("atm saya ketelan di mesin", "kks_bermasalah"),
        ("ATM ketelen", "kks_bermasalah"),
        ("kartu saya ilang", "kks_bermasalah"),
        ("duit blm cair dari bulan lalu", "bantuan_tidak_diterima"),
        ("uang blom cair", "bantuan_tidak_diterima"),
        ("saldo nol pas diambil", "bantuan_tidak_diterima"),
        ("lupa pinnya", "lupa_pin"),
        ("nama sy salah di kartu", "data_tidak_sesuai"),
        ("sy tdk terdaftar pdhl miskin", "tidak_terdaftar"),
        ("pendamping pegang kks saya", "perilaku_pendamping"),
        ("ada potongan 50rb dari ketua", "perilaku_pendamping"),
        ("pendamping tdk pernah datang", "perilaku_pendamping"),
        ("p2k2 ga pernah ada", "p2k2"),
    ],
)
def test_everyday_words_and_slang_are_read(text: str, category: str) -> None:
    assert guess_category(text) == category


@pytest.mark.parametrize("text", ["halo selamat pagi", "saya mau tanya", "terima kasih"])
def test_nothing_is_guessed_from_small_talk(text: str) -> None:
    assert guess_category(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "anak saya dipukul bapaknya",
        "suami sering memukul saya",
        "tetangga sekarat tidak ada yang menolong",
        "ada kdrt di rumah sebelah",
        "anak tetangga dipukuli sampai memar",
        "dia bilang ingin bunuh diri",
    ],
)
def test_danger_is_recognised(text: str) -> None:
    assert tells_of_danger(text)


@pytest.mark.parametrize(
    "text",
    [
        "Kartu tertelan di ATM BRI kemarin sore",  # "kartu" is not "sekarat"
        "saldo nol sejak Oktober",
        "pukul 10 pagi saya ke bank",
        "ayah saya meninggal bulan lalu, data belum diganti",
        "anak sekolah belum dapat KIP",
    ],
)
def test_ordinary_complaints_are_not_flagged_urgent(text: str) -> None:
    assert not tells_of_danger(text)


@given(st.text(max_size=300))
def test_any_text_gives_a_known_category_or_none_and_never_crashes(text: str) -> None:
    assert guess_category(text) in (*ComplaintCategory, None)
    assert tells_of_danger(text) in (True, False)
