"""Masking of NIK, card numbers and PINs (`conversations.privacy.mask_sensitive`): what is
hidden, what is left alone, and its properties; then that every outbox row is masked on its way
to storage, and that inbound text arrives without control characters."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from conversations.messages import Channel, Inbound, Option, Reply
from conversations.privacy import mask_sensitive
from handlers.core import outbox
from handlers.core.context import AppContext
from storage.db import transaction
from storage.models import Complaint, ConversationState, OutboxMessage
from tests.support import ChatFactory, Clock, texts

KPM = "0813-9000-0001"


@pytest.mark.parametrize(
    ("typed", "masked"),
    [
        ("pinnya 654321", "pinnya ******"),
        ("PIN987654", "PIN******"),
        ("pin: 1234 56", "pin: ******"),
        ("PIN-nya 123456", "PIN-nya ******"),
        ("pin atm saya 123456 ya", "pin atm saya ****** ya"),
        ("kata sandi 4821", "kata sandi ******"),
        ("3503/124107/850002", "************0002"),
        ("3503 - 1241 - 0785 - 0002", "************0002"),
        ("3503.1241.0785.0002", "************0002"),
        ("NIK 3503.1241-0785 / 0002 ya", "NIK ************0002 ya"),
        ("35.03.12.410785.0002", "************0002"),
        ("NIK:3503124107850002.", "NIK:************0002."),
        ("kartu 6013 0112 3456 7890 123", "kartu ***************0123"),
        ("kode 123456 jangan", "kode ****** jangan"),
        ("123456", "******"),
        ("(123456)", "(******)"),
        ("pinjaman 123456", "pinjaman ******"),
        ("tanggal 12/12/2026 123456", "tanggal 12/12/2026 ******"),
        ("x_123456", "x_******"),  # an underscore is not a letter: the run is isolated
    ],
)
def test_sensitive_numbers_are_masked(typed: str, masked: str) -> None:
    assert mask_sensitive(typed) == masked


@pytest.mark.parametrize(
    "kept",
    [
        "ADU-7K3M9Q2A",  # a ticket code
        "ADU-234567",  # an all-digit ticket code is still a code
        "cek adu-234567 ya",
        "KS-234567",  # a case code
        "abc123456def",  # a token: the digits touch letters
        "jam 10:00",
        "pukul 09.30 - 12.00",
        "12/12/2026",
        "2026-12-03",
        "01/12/2026 - 05/12/2026",  # a range of dates: 16 digits, but two dates
        "2026-12-03 2026-12-04",
        "Rp 600.000",
        "Rp 600000",
        "Rp. 600000",
        "600000,-",
        "600000 rupiah",
        "0812-3456-7890",
        "+6281234567890",
        "0812-3456-7890 / 0813-1111-2222",  # two phone numbers side by side
        "(0354) 123456",  # a landline: area code and local number
        "0354-123456",
        "0812 345678",
        "+62 812 345678",
        "lihat https://pkh.example.id/masuk/ab-123456-cd",
        "Jangan berikan PIN kartu KKS kepada siapa pun.",
        "sesi 12 dari 14, 3 pendamping",
    ],
)
def test_ordinary_numbers_are_left_alone(kept: str) -> None:
    assert mask_sensitive(kept) == kept


SEPARATORS = st.sampled_from(["", "", "", " ", ".", "-", "/", " - ", " / ", ". ", "  "])
WORD = st.text(
    alphabet=st.characters(categories=("L", "P", "Zs"), exclude_characters="0123456789\n"),
    max_size=12,
)


@st.composite
def number_with_separators(draw: st.DrawFn, digits: int = 16) -> tuple[str, str]:
    """A NIK-like number (first digit 1-9) and how someone typed it."""
    number = draw(st.from_regex(rf"[1-9][0-9]{{{digits - 1}}}", fullmatch=True))
    typed = number[0]
    for digit in number[1:]:
        typed += draw(SEPARATORS) + digit
    return number, typed


DATE = re.compile(
    r"[0-9]{1,2}([./\-])[0-9]{1,2}\1(?:19|20)[0-9]{2}|(?:19|20)[0-9]{2}([./\-])[0-9]{1,2}\2[0-9]{1,2}"
)


def reads_as_two_dates(typed: str) -> bool:
    """The one documented exception: "01/12/2026 - 05/12/2026" is two dates, not a NIK."""
    pieces = re.split(r" +[./\-]? *|[./\-] +", typed)
    return len(pieces) > 1 and all(DATE.fullmatch(piece) for piece in pieces)


@given(number_with_separators(), st.lists(WORD, max_size=4), st.lists(WORD, max_size=4))
def test_a_16_digit_number_is_never_kept_in_clear(
    number: tuple[str, str], before: list[str], after: list[str]
) -> None:
    digits, typed = number
    assume(not reads_as_two_dates(typed))
    masked = mask_sensitive(" ".join([*before, typed, *after]))
    assert digits[:12] not in re.sub(r"[^0-9]", "", masked)
    assert mask_sensitive(masked) == masked


@given(
    number_with_separators(),
    st.lists(st.text(alphabet="abcdefghijklmno ,.!?", max_size=10), max_size=3),
)
def test_a_nik_keeps_its_last_four_digits_visible(
    number: tuple[str, str], words: list[str]
) -> None:
    digits, typed = number
    assume(not reads_as_two_dates(typed))
    text = " ".join([*words, typed, *words])
    assert "*" * 12 + digits[-4:] in mask_sensitive(text)


@given(st.from_regex(r"[0-9]{6}", fullmatch=True), st.lists(st.text("abcdefghij"), max_size=4))
def test_an_isolated_six_digit_pin_is_always_masked(pin: str, words: list[str]) -> None:
    text = " ".join([*words, pin, *words])
    assert pin not in mask_sensitive(text)


TOKENS = st.sampled_from(
    [
        "pin",
        "PIN",
        "pinnya",
        "sandi",
        "Rp",
        "ADU-",
        "KS-",
        "https://x.id/",
        "(0354)",
        "0812",
        "+62",
        "12/12/2026",
        "rupiah",
        ",-",
        "-",
        "/",
        ".",
        " ",
        "\n",
        "_",
        "a",
        "Bu",
    ]
)
DIGITS = st.from_regex(r"[0-9]{1,19}", fullmatch=True)


@settings(max_examples=400)
@given(st.lists(st.one_of(TOKENS, TOKENS, DIGITS, st.text(max_size=3)), max_size=30))
@example(["pinnya", " ", "654321", ", saldo ", "Rp", " ", "600.000"])
@example(["pin", " ", "1234", " ", "5678", " ", "9012", " ", "3456"])
def test_masking_is_idempotent(pieces: list[str]) -> None:
    once = mask_sensitive("".join(pieces))
    assert mask_sensitive(once) == once


@given(st.text())
def test_text_without_digits_is_unchanged(text: str) -> None:
    assume(not re.search(r"[0-9]", text))
    assert mask_sensitive(text) == text


# -- the outbox: every row's text is masked on its way to storage ----------------------------
def test_a_reply_is_masked_in_its_payload_text_and_labels() -> None:
    reply = Reply(
        "NIK 3503 1241 0785 0002, pin 123456, tiket ADU-7K3M9Q2A, jam 10:00",
        options=(Option("123456", "Kartu 6013011234567890"),),
    )
    payload = reply.to_payload()
    assert payload["text"] == "NIK ************0002, pin ******, tiket ADU-7K3M9Q2A, jam 10:00"
    assert payload["options"] == [{"value": "123456", "label": "Kartu ************7890"}]
    assert "secret_parts" not in payload
    assert Reply.from_payload(payload).to_payload() == payload


def test_secret_parts_are_delivered_whole_and_stored_under_their_own_key() -> None:
    reply = Reply("Kode cek 123456, PIN 654321", secret_parts=("123456",))
    payload = reply.to_payload()
    assert payload["text"] == "Kode cek 123456, PIN ******"
    assert payload["secret_parts"] == ["123456"]
    back = Reply.from_payload(payload)
    assert back.secret_parts == ("123456",)
    kept = back.without_secrets().to_payload()
    assert kept["text"] == "Kode cek ******, PIN ******" and "secret_parts" not in kept


def test_a_queued_row_never_keeps_a_card_number(ctx: AppContext, clock: Clock) -> None:
    with transaction(ctx.sessions) as session:
        outbox.enqueue(
            session, Channel.WEB, "+6281390000001", Reply("Kartu 6013011234567890"), "k", clock.now
        )
    with ctx.sessions() as session:
        [row] = session.scalars(select(OutboxMessage)).all()
    assert row.payload["text"] == "Kartu ************7890"


def test_a_complaint_echoed_back_is_masked_everywhere(chat: ChatFactory, ctx: AppContext) -> None:
    kpm = chat(KPM)
    kpm.send("halo")
    kpm.press("Buat pengaduan")
    kpm.press("Setuju")
    kpm.press("Bantuan tidak diterima / saldo nol")
    kpm.send("Pogalan")
    kpm.send("NIK saya 3503/124107/850002 dan pinnya 654321, saldo Rp 600.000 belum masuk")
    kpm.press("Selesai")
    kpm.press("Lewati")
    summary = texts(kpm.press("Boleh"))
    assert "NIK saya ************0002 dan pinnya ******, saldo Rp 600.000" in summary
    kpm.press("Ya, kirim")
    with ctx.sessions() as session:
        stored = [c.description for c in session.scalars(select(Complaint))]
        stored += [repr(s.data) for s in session.scalars(select(ConversationState))]
        stored += [repr(o.payload) for o in session.scalars(select(OutboxMessage))]
    everything = "\n".join(stored)
    assert "654321" not in everything and "124107" not in everything


# -- control characters arrive stripped -----------------------------------------------------
def test_an_inbound_message_is_cleaned_of_control_characters(clock: Clock) -> None:
    inbound = Inbound(
        Channel.WHATSAPP,
        "+6281390000001",
        "SM1",
        clock.now,
        text="Halo\x00 bu\x07\r\nbaris\x1b[31m dua\x7f\x85",
        sender_name="Si\x00ti\u200b",
    )
    assert inbound.text == "Halo bu\nbaris[31m dua"
    assert inbound.sender_name == "Siti\u200b"  # only control characters go
    assert Inbound(Channel.WEB, "x", "1", clock.now).text == ""


def test_a_nul_in_a_complaint_is_stored_and_echoed_without_it(
    chat: ChatFactory, ctx: AppContext
) -> None:
    """PostgreSQL rejects NUL in a text column: the message must still go through there."""
    kpm = chat(KPM)
    kpm.send("halo\x00")
    kpm.press("Buat pengaduan")
    kpm.press("Setuju")
    kpm.press("Bantuan tidak diterima / saldo nol")
    kpm.send("Pogalan\x00")
    kpm.send("Bantuan\x00 belum masuk\x01 sejak\x1f Oktober\x7f")
    kpm.press("Selesai")
    kpm.send("Ibu\x00 Siti")
    summary = texts(kpm.press("Boleh"))
    assert "Bantuan belum masuk sejak Oktober" in summary and "Nama: Ibu Siti" in summary
    assert "ADU-" in texts(kpm.press("Ya, kirim"))
    with ctx.sessions() as session:
        c = session.scalars(select(Complaint)).one()
        payloads = [repr(o.payload) for o in session.scalars(select(OutboxMessage))]
    assert (c.description, c.reporter_name, c.kecamatan) == (
        "Bantuan belum masuk sejak Oktober",
        "Ibu Siti",
        "Pogalan",
    )
    assert not any("\x00" in p or "\\x00" in p for p in payloads)
