"""The dialog engine on its own: pure state in, state and replies out."""

from __future__ import annotations

import ast
import itertools
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conversations.catalog import load_catalog
from conversations.engine import (
    CONFIRM_STEP,
    IDLE,
    IDLE_TIMEOUT,
    Engine,
    Flow,
    FlowState,
    Step,
    Transition,
)
from conversations.flows import FLOWS, complaint
from conversations.flows.validators import TODAY_KEY
from conversations.messages import Attachment, Inbound, Option, Reply
from handlers.core.menus import MENUS
from storage.vocabulary import ConsultationTopic

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
t = load_catalog("id")
PLACES = (Option("Pogalan", "Pogalan"), Option("Durenan", "Durenan"))


def source(name: str, _data: Mapping[str, Any]) -> Sequence[Option]:
    """Options from data: the kecamatan of the roster; for any other source, two records."""
    if name == complaint.KECAMATAN_SOURCE:
        return PLACES
    if name == complaint.KABUPATEN_SOURCE:
        return (Option("Trenggalek", "Trenggalek"),)  # one only: taken without asking
    return (Option("1", f"{name} satu"), Option("2", f"{name} dua"))


def evidence_flow() -> Flow:
    """A flow with an attachments step, to test the engine's handling of media."""
    return Flow(
        "evidence",
        steps=(Step("photos", "complaint.ask_description", collects_attachments=True),),
        summary=lambda data, _t: f"{len(data['photos'])} lampiran",
    )


def make_engine() -> Engine:
    tokens = (f"k{n}" for n in itertools.count())
    return Engine({**FLOWS, "evidence": evidence_flow()}, t, token_factory=lambda: next(tokens))


def msg(text: str = "", choice: str | None = None, *files: Attachment) -> Inbound:
    return Inbound("web", "+6281210000003", "m", T0, text=text, choice=choice, attachments=files)


def press(engine: Engine, state: FlowState, reply: Reply, label: str) -> Transition:
    option = next(o for o in reply.options if o.label == label)
    return engine.advance(state, msg(choice=reply.callback_data(option)), T0, source)


def walk(engine: Engine, flow: str, *answers: str) -> Transition:
    step = engine.start(flow, T0, source)
    for answer in answers:
        step = engine.advance(step.state, msg(answer), T0, source)
    return step


def test_start_asks_the_first_question_with_its_choices() -> None:
    start = make_engine().start("consultation", T0, source)
    intro, question = start.replies
    assert intro.text == t("consult.intro")
    assert question.text == t("consult.ask_topic")
    assert [o.value for o in question.options] == list(ConsultationTopic)
    assert (start.state.step, start.state.token, question.token) == ("topic", "k0", "k0")


@pytest.mark.parametrize("answer", ["2", "Manajemen kasus", "manajemen  KASUS!", "manajemn kasus"])
def test_an_answer_by_number_label_or_close_spelling(answer: str) -> None:
    state = walk(make_engine(), "consultation", answer).state
    assert (state.step, dict(state.data)) == ("urgency", {"topic": "manajemen_kasus"})


def test_an_answer_by_button() -> None:
    engine = make_engine()
    start = engine.start("consultation", T0, source)
    state = press(engine, start.state, start.replies[-1], "P2K2").state
    assert (state.step, state.data["topic"]) == ("urgency", "p2k2")


@pytest.mark.parametrize("answer", ["apa ya", "9", "0", ""])
def test_an_answer_not_in_the_list_is_asked_again(answer: str) -> None:
    engine = make_engine()
    start = engine.start("consultation", T0, source)
    again = engine.advance(start.state, msg(answer), T0 + timedelta(minutes=1), source)
    notice, question = again.replies
    assert notice.text == t("conv.choose_from_list")
    assert question.text == t("consult.ask_topic") and len(question.options) == len(
        ConsultationTopic
    )
    assert (again.state.step, again.state.data) == ("topic", {})
    assert again.state.token == question.token != start.state.token
    assert again.state.updated_at == T0 + timedelta(minutes=1)


def test_free_text_too_short_is_asked_again_with_the_reason() -> None:
    again = walk(make_engine(), "consultation", "1", "1", "pendek")
    notice, question = again.replies
    assert notice.text == t("consult.description_short", min=10)
    assert question.text == t("consult.ask_description") and question.options == ()
    assert again.state.step == "description" and "description" not in again.state.data
    assert again.state.token is None


def test_free_text_too_long_is_asked_again() -> None:
    again = walk(make_engine(), "consultation", "1", "1", "x" * 1001)
    assert again.replies[0].text == t("conv.text_too_long", max=1000)


def test_card_numbers_in_free_text_are_masked() -> None:
    state = walk(
        make_engine(), "consultation", "1", "1", "NIK KPM 3503 1234 5678 0001 hilang"
    ).state
    assert state.data["description"] == "NIK KPM ************0001 hilang"


@pytest.mark.parametrize(
    ("answer", "stored"),
    [
        ("3", "besok"),
        ("Besok", "besok"),
        ("Kamis jam 10", "Kamis jam 10"),
        ("besok pagi jam 9", "besok pagi jam 9"),  # not just "besok": the hour matters
        ("hari ini sore", "hari ini sore"),
    ],
)
def test_a_step_with_choices_and_free_text_keeps_what_was_typed(answer: str, stored: str) -> None:
    state = walk(make_engine(), "consultation", "1", "1", "Anak KPM putus sekolah", "1", answer)
    assert (state.state.step, state.state.data["preferred_time"]) == (CONFIRM_STEP, stored)


def test_a_close_spelling_still_picks_a_place_when_free_text_is_not_accepted() -> None:
    state = walk(make_engine(), "complaint", "1", "1", "pogalan kec").state
    assert (state.step, state.data["kecamatan"]) == ("description", "Pogalan")
    again = walk(make_engine(), "complaint", "1", "1", "Trenggalek")
    assert again.replies[0].text == t("complaint.place_unknown")


def test_a_step_with_one_option_only_is_answered_without_asking() -> None:
    state = walk(make_engine(), "complaint", "1", "1").state
    assert (state.step, state.data["kabupaten"]) == ("kecamatan", "Trenggalek")

    def two_districts(name: str, data: Mapping[str, Any]) -> Sequence[Option]:
        if name == complaint.KABUPATEN_SOURCE:
            return (Option("Trenggalek", "Trenggalek"), Option("Tulungagung", "Tulungagung"))
        return source(name, data)

    engine = make_engine()
    move = engine.start("complaint", T0, two_districts)
    for answer in ("1", "1"):
        move = engine.advance(move.state, msg(answer), T0, two_districts)
    assert move.state.step == "kabupaten"
    assert [o.label for o in move.replies[-1].options][:2] == ["Trenggalek", "Tulungagung"]


def answer_until(engine: Engine, move: Transition, step: str) -> Transition:
    """Answer each question plainly (the first option, or a sentence) until `step` is asked."""
    for _ in range(20):
        if move.state.step == step:
            return move
        plain = "1" if engine.options_for(move.state, source) else "Saldo kartu nol sejak Oktober"
        move = engine.advance(move.state, msg(plain), T0, source)
    raise AssertionError(f"never reached {step}")


def complaint_at_name(engine: Engine) -> Transition:
    return answer_until(engine, engine.start("complaint", T0, source), "reporter_name")


@pytest.mark.parametrize("answer", ["Lewati", "lewati", "1"])
def test_a_skippable_step_can_be_skipped(answer: str) -> None:
    engine = make_engine()
    skipped = engine.advance(complaint_at_name(engine).state, msg(answer), T0, source)
    assert skipped.state.step != "reporter_name"
    assert skipped.state.data["reporter_name"] is None
    confirm = answer_until(engine, skipped, CONFIRM_STEP)
    assert t("complaint.no_name") in confirm.replies[-1].text


def test_skip_by_button() -> None:
    engine = make_engine()
    at_name = complaint_at_name(engine)
    skipped = press(engine, at_name.state, at_name.replies[-1], t("conv.skip"))
    assert skipped.state.data["reporter_name"] is None


@pytest.mark.parametrize("name", ["Wati", "Ati", "Lewi"])
def test_a_name_that_looks_like_skip_is_kept_as_a_name(name: str) -> None:
    engine = make_engine()
    named = engine.advance(complaint_at_name(engine).state, msg(name), T0, source)
    assert named.state.data["reporter_name"] == name


def test_refusing_consent_ends_the_flow_keeping_nothing() -> None:
    end = walk(make_engine(), "complaint", "Tidak setuju")
    assert end.state == IDLE and end.outcome is None and end.show_menu
    assert [r.text for r in end.replies] == [t("complaint.consent_refused")]


def test_confirm_send_yields_the_outcome() -> None:
    confirm = walk(make_engine(), "consultation", "1", "2", "Anak KPM putus sekolah", "3", "2")
    assert confirm.state.step == CONFIRM_STEP
    summary = confirm.replies[-1]
    assert "Topik: P2K2" in summary.text and "Cara: Panggilan video" in summary.text
    assert [o.label for o in summary.options] == ["Ya, kirim", "Ulangi dari awal", "Batal"]
    done = press(make_engine(), confirm.state, summary, "Ya, kirim")
    assert done.state == IDLE and done.replies == []
    assert done.outcome is not None and done.outcome.flow == "consultation"
    assert done.outcome.data == {
        "topic": "p2k2",
        "urgency": "biasa",
        "description": "Anak KPM putus sekolah",
        "mode": "video",
        "preferred_time": "hari_ini",
    }


def test_confirm_restart_and_cancel() -> None:
    confirm = walk(make_engine(), "consultation", "1", "2", "Anak KPM putus sekolah", "3", "2")
    restart = make_engine().advance(confirm.state, msg("Ulangi dari awal"), T0, source)
    assert (restart.state.step, restart.state.data, restart.outcome) == ("topic", {}, None)
    cancel = make_engine().advance(confirm.state, msg("batal"), T0, source)
    assert cancel.state == IDLE and cancel.outcome is None and cancel.show_menu
    assert [r.text for r in cancel.replies] == [t("conv.cancelled")]
    unclear = make_engine().advance(confirm.state, msg("hmm"), T0, source)
    assert unclear.state.step == CONFIRM_STEP and unclear.outcome is None
    assert unclear.replies[0].text == t("conv.choose_from_list")


def test_a_stale_or_forged_button_is_refused() -> None:
    engine = make_engine()
    start = engine.start("consultation", T0, source)
    moved = engine.advance(start.state, msg("1"), T0, source)
    old_button = start.replies[-1].callback_data(start.replies[-1].options[1])
    for choice in (
        old_button,  # an older keyboard
        f"{moved.state.token}:nonexistent",  # forged value with the live token
        "urgency:mendesak",  # forged token
        "mendesak",  # no token at all
    ):
        refused = engine.advance(moved.state, msg(choice=choice), T0, source)
        assert refused.replies[0].text == t("conv.stale_choice")
        assert refused.state.step == "urgency" and refused.state.data == {"topic": "p2k2"}
        assert refused.replies[-1].text == t("consult.ask_urgency")


def test_attachments_are_collected_until_done() -> None:
    engine = make_engine()
    start = engine.start("evidence", T0, source)
    assert [o.label for o in start.replies[-1].options] == [t("conv.attachments_done")]
    photo, voice = Attachment("photo", "file-1"), Attachment("voice", "file-2", "audio/ogg")
    one = engine.advance(start.state, msg("", None, photo), T0, source)
    assert one.replies[0].text == t("conv.attachment_received", count=1)
    two = engine.advance(one.state, msg("", None, voice), T0, source)
    assert two.replies[0].text == t("conv.attachment_received", count=2)
    assert two.state.step == "photos"
    done = engine.advance(two.state, msg("Selesai"), T0, source)
    assert done.state.step == CONFIRM_STEP
    assert done.state.data["photos"] == [photo.to_dict(), voice.to_dict()]
    assert "2 lampiran" in done.replies[-1].text


def test_an_attachment_with_done_in_its_caption_finishes_the_step() -> None:
    engine = make_engine()
    start = engine.start("evidence", T0, source)
    done = engine.advance(start.state, msg("selesai", None, Attachment("photo", "f")), T0, source)
    assert done.state.step == CONFIRM_STEP and len(done.state.data["photos"]) == 1


def test_no_attachments_then_done_stores_an_empty_list() -> None:
    engine = make_engine()
    done = engine.advance(engine.start("evidence", T0, source).state, msg("1"), T0, source)
    assert done.state.data["photos"] == []


def test_help_explains_and_asks_the_same_question_again() -> None:
    engine = make_engine()
    at_urgency = walk(engine, "consultation", "1").state
    helped = engine.help(at_urgency, T0, source)
    assert [r.text for r in helped.replies] == [t("consult.help_urgency"), t("consult.ask_urgency")]
    assert helped.state.step == "urgency" and helped.state.data == at_urgency.data
    generic = engine.help(walk(engine, "consultation").state, T0, source)
    assert generic.replies[0].text == t("conv.help_step")
    confirm = walk(engine, "consultation", "1", "2", "Anak KPM putus sekolah", "3", "2").state
    assert engine.help(confirm, T0, source).replies[0].text == t("conv.help_confirm")


def test_a_flow_expires_after_thirty_idle_minutes() -> None:
    state = make_engine().start("consultation", T0, source).state
    assert not state.expired(T0 + IDLE_TIMEOUT)
    assert state.expired(T0 + IDLE_TIMEOUT + timedelta(seconds=1))
    assert not IDLE.expired(T0 + timedelta(days=1))


# -- any sequence of messages leaves a consistent state -----------------------------------------
MENU_FLOWS = sorted({item.flow for items in MENUS.values() for item in items if item.flow})
TEXTS = st.one_of(
    st.sampled_from(["1", "2", "3", "9", "Ya, kirim", "Batal", "Lewati", "Selesai", "Setuju"]),
    st.sampled_from(["Ulangi dari awal", "Tidak tahu", "Pogalan", "besok", "", "  "]),
    st.text(max_size=30),
    st.text(min_size=900, max_size=2100, alphabet="ab 1"),
)
ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("text"), TEXTS),
        st.tuples(st.just("button"), st.integers(0, 12)),
        st.tuples(st.just("stale"), st.integers(0, 12)),
        st.tuples(st.just("forged"), st.text(max_size=12)),
        st.tuples(st.just("media"), TEXTS),
        st.tuples(st.just("help"), st.none()),
    ),
    max_size=25,
)


def check_consistent(engine: Engine, flows: Mapping[str, Flow], move: Transition) -> None:
    state = move.state
    if not state.active:
        assert (state.step, dict(state.data), state.token) == (None, {}, None)
        assert move.outcome is not None or move.replies
        return
    assert move.outcome is None and move.replies
    flow = flows[state.flow or ""]
    assert state.step in {s.name for s in flow.steps} | {CONFIRM_STEP}
    answers = {key for key in state.data if key != TODAY_KEY}  # the context handlers put in
    assert answers <= {s.name for s in flow.steps}
    options = engine.options_for(state, source)
    assert (state.token is not None) == bool(options)
    prompt = move.replies[-1]
    assert prompt.token == state.token and prompt.options == options
    assert all(r.text.strip() for r in move.replies)


@settings(max_examples=150, deadline=None)
@given(flow=st.sampled_from(MENU_FLOWS), actions=ACTIONS)
def test_any_message_sequence_leaves_a_consistent_state(
    flow: str, actions: list[tuple[str, Any]]
) -> None:
    engine = make_engine()
    move = engine.start(flow, T0, source, data={TODAY_KEY: "2026-12-01"})
    check_consistent(engine, engine.flows, move)
    seen: list[Reply] = [move.replies[-1]]
    for kind, arg in actions:
        if not move.state.active:
            break
        state, prompt = move.state, move.replies[-1]
        if kind == "text":
            move = engine.advance(state, msg(arg), T0, source)
        elif kind == "media":
            move = engine.advance(state, msg(arg, None, Attachment("photo", "f")), T0, source)
        elif kind == "help":
            move = engine.help(state, T0, source)
        elif kind == "button" and prompt.options:
            option = prompt.options[arg % len(prompt.options)]
            move = engine.advance(state, msg(choice=prompt.callback_data(option)), T0, source)
        elif kind == "stale":
            old = seen[arg % len(seen)]
            if old.token != state.token and old.options:
                choice = old.callback_data(old.options[0])
                move = engine.advance(state, msg(choice=choice), T0, source)
                assert move.replies[0].text == t("conv.stale_choice")
        elif kind == "forged":
            move = engine.advance(state, msg(choice=f"{state.token}:{arg}~"), T0, source)
            assert move.replies[0].text == t("conv.stale_choice")
        check_consistent(engine, engine.flows, move)
        if move.replies:
            seen.append(move.replies[-1])


# -- the layers -----------------------------------------------------------------------------------
EDGE_PACKAGES = {"telegram", "twilio", "fastapi", "starlette", "bot"}
ROOT = Path(__file__).parents[2]


def imported_packages(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", ["conversations", "handlers"])
def test_the_core_never_imports_a_channel_or_the_edges(package: str) -> None:
    modules = sorted((ROOT / package).rglob("*.py"))
    assert len(modules) > 3
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & EDGE_PACKAGES)
        for path in modules
        if imported_packages(path) & EDGE_PACKAGES
    }
    assert offenders == {}


def test_the_import_check_sees_imports() -> None:
    assert {"sqlalchemy", "conversations"} <= imported_packages(
        ROOT / "handlers" / "core" / "route.py"
    )
