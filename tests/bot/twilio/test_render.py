"""WhatsApp/SMS rendering of choices, splitting of long bodies, template variables."""

from __future__ import annotations

from bot.channels.twilio_render import render, split_body, template_variable
from conversations.messages import Option, Reply

CHOICES = Reply("Sudah benar?\n\n", (Option("ya", "Ya, kirim"), Option("batal", "Batal")))


def test_whatsapp_numbers_each_choice_on_its_own_line() -> None:
    assert render(CHOICES, "whatsapp") == "Sudah benar?\n\n1. Ya, kirim\n2. Batal"
    assert render(Reply("Terima kasih."), "whatsapp") == "Terima kasih."


def test_sms_drops_blank_lines_and_puts_choices_on_one_line() -> None:
    reply = Reply("Halo.\n\n  Pilih:  ", CHOICES.options)
    assert render(reply, "sms") == "Halo.\nPilih:\n1.Ya, kirim 2.Batal"


def test_a_short_body_is_one_part() -> None:
    assert split_body("halo") == ["halo"]
    assert split_body("") == [""]


def test_a_long_body_is_cut_at_line_breaks_first() -> None:
    paragraph = "x" * 1000
    assert split_body(f"{paragraph}\n{paragraph}") == [paragraph, paragraph]


def test_a_body_without_spaces_is_cut_hard_at_the_limit() -> None:
    parts = split_body("y" * 3300)
    assert [len(p) for p in parts] == [1600, 1600, 100]


def test_a_template_variable_is_one_bounded_line() -> None:
    assert template_variable("Halo\n\n1. Ya\n2.  Tidak") == "Halo 1. Ya 2. Tidak"
    long = template_variable("kata " * 400)
    assert len(long) == 1000 and long.endswith("…") and "\n" not in long
