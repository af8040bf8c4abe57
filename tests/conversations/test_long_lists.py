"""A step whose data offers more options than a chat can show (a national roster's hundreds of
kabupaten): nothing of it is listed, the answer is typed and looked up, and a name close to
several is answered with those few to choose from."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from conversations.catalog import load_catalog
from conversations.engine import Engine, Flow, FlowState, Step
from conversations.flows import FLOWS, complaint
from conversations.long_lists import LIST_LIMIT, SHORTLIST_KEY
from conversations.messages import Inbound, Option, Reply

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
t = load_catalog("id")
NAMED = ["Kabupaten Malang", "Kota Malang", "Kabupaten Blitar", "Kota Blitar", "Kabupaten Ngawi"]
KABUPATEN = tuple(Option(name, name) for name in [*NAMED, *(f"Daerah {n}" for n in range(115))])
NOT_KNOWN = t("complaint.place_not_known")


def pick_flow(source_name: str, **more: Any) -> Flow:
    """One step choosing from `source_name`'s options, done at the answer (no confirmation)."""
    step = Step("who", "complaint.ask_kabupaten", dynamic_choices=source_name, **more)
    return Flow("pick", (step,), summary=lambda _data, _t: "", confirm=False)


def source(name: str, _data: Mapping[str, Any]) -> Sequence[Option]:
    if name == complaint.KABUPATEN_SOURCE:
        return KABUPATEN
    return (Option("Pogalan", "Pogalan"), Option("Durenan", "Durenan"))


def make_engine(extra: Flow | None = None) -> Engine:
    tokens = (f"k{n}" for n in itertools.count())
    flows = {**FLOWS, **({extra.name: extra} if extra else {})}
    return Engine(flows, t, token_factory=lambda: next(tokens))


def msg(text: str = "", choice: str | None = None) -> Inbound:
    return Inbound("whatsapp", "+6285712345678", "m", T0, text=text, choice=choice)


def at_kabupaten(engine: Engine) -> tuple[FlowState, Reply]:
    """A complaint about aid not received, at its kabupaten step."""
    step = engine.start("complaint", T0, source)
    for answer in ("1", "1"):
        step = engine.advance(step.state, msg(answer), T0, source)
    assert step.state.step == "kabupaten"
    return step.state, step.replies[-1]


def test_the_long_list_is_not_shown_and_its_length_is_said() -> None:
    _state, prompt = at_kabupaten(make_engine())
    assert [o.label for o in prompt.options] == [NOT_KNOWN]
    assert prompt.text.endswith(t("conv.type_to_search", count=len(KABUPATEN)))


def test_a_typed_name_from_the_long_list_is_taken() -> None:
    engine = make_engine()
    state, _ = at_kabupaten(engine)
    after = engine.advance(state, msg("kabupaten ngawi"), T0, source)
    assert (after.state.step, after.state.data["kabupaten"]) == ("kecamatan", "Kabupaten Ngawi")


def test_a_name_close_to_several_offers_those_and_a_number_picks_one() -> None:
    engine = make_engine()
    state, _ = at_kabupaten(engine)
    offered = engine.advance(state, msg("malang"), T0, source)
    notice, prompt = offered.replies
    assert notice.text == t("conv.shortlist")
    assert [o.label for o in prompt.options] == ["Kabupaten Malang", "Kota Malang", NOT_KNOWN]
    assert "kabupaten" not in offered.state.data
    picked = engine.advance(offered.state, msg("2"), T0, source)
    assert picked.state.data["kabupaten"] == "Kota Malang"
    assert SHORTLIST_KEY not in picked.state.data  # nothing of the search is kept


def test_a_shortlisted_button_picks_it() -> None:
    engine = make_engine()
    state, _ = at_kabupaten(engine)
    offered = engine.advance(state, msg("blitar"), T0, source)
    prompt = offered.replies[-1]
    option = next(o for o in prompt.options if o.label == "Kota Blitar")
    picked = engine.advance(offered.state, msg(choice=prompt.callback_data(option)), T0, source)
    assert (picked.state.step, picked.state.data["kabupaten"]) == ("kecamatan", "Kota Blitar")


def test_a_number_names_only_what_is_listed() -> None:
    """Nothing of a long list is shown, so "3" is not its third entry."""
    engine = make_engine()
    state, _ = at_kabupaten(engine)
    again = engine.advance(state, msg("3"), T0, source)
    assert again.replies[0].text == t("complaint.place_unknown")
    assert "kabupaten" not in again.state.data


def test_the_first_words_of_one_label_pick_it_and_of_several_offer_those() -> None:
    """Labels that say more than a name ("Citra Saputra, Rabu 09:00 WIB"): the name is enough."""
    first = ("Adi", "Budi", "Citra", "Dian", "Eka", "Fajar")
    last = ("Saputra", "Hidayat", "Pratama", "Nugroho", "Permata", "Kurniawan")
    names = itertools.product(first, last)  # 36: more than are listed
    people = tuple(Option(str(n), f"{a} {b}, Rabu 09:00 WIB") for n, (a, b) in enumerate(names))

    def agreements(_name: str, _data: Mapping[str, Any]) -> Sequence[Option]:
        return people

    engine = make_engine(pick_flow("agreements"))
    start = engine.start("pick", T0, agreements)
    taken = engine.advance(start.state, msg("citra saputra"), T0, agreements)
    assert taken.outcome is not None and taken.outcome.data["who"] == "12"
    several = engine.advance(start.state, msg("citra"), T0, agreements)
    assert several.replies[0].text == t("conv.shortlist")
    assert {o.label.split(",")[0] for o in several.replies[-1].options} >= {
        "Citra Saputra",
        "Citra Permata",
    }


def test_a_name_like_none_on_the_list_is_asked_again() -> None:
    engine = make_engine(pick_flow(complaint.KABUPATEN_SOURCE))
    start = engine.start("pick", T0, source)
    again = engine.advance(start.state, msg("qwxz"), T0, source)
    assert again.replies[0].text == t("conv.search_not_found")
    assert again.state.step == "who" and "who" not in again.state.data


def test_a_name_typed_exactly_is_the_option_even_where_free_text_is_kept() -> None:
    """A step that keeps free text when nothing matches still takes a hidden option typed in
    full as that option (a close spelling is kept as typed)."""
    coded = tuple(Option(f"id-{n}", option.label) for n, option in enumerate(KABUPATEN))

    def by_code(_name: str, _data: Mapping[str, Any]) -> Sequence[Option]:
        return coded

    engine = make_engine(pick_flow("coded", parse=lambda text, _data: text))
    start = engine.start("pick", T0, by_code)
    exact = engine.advance(start.state, msg("kota blitar"), T0, by_code)
    assert exact.outcome is not None and exact.outcome.data["who"] == "id-3"
    typed = engine.advance(start.state, msg("Kota Blitarr"), T0, by_code)
    assert typed.outcome is not None and typed.outcome.data["who"] == "Kota Blitarr"


def test_a_list_at_the_limit_is_still_listed_whole() -> None:
    few = KABUPATEN[:LIST_LIMIT]
    engine = make_engine()
    step = engine.start("complaint", T0, lambda name, data: few if name == "kabupaten" else ())
    for answer in ("1", "1"):
        step = engine.advance(step.state, msg(answer), T0, lambda n, d: few)
    assert len(step.replies[-1].options) == LIST_LIMIT + 1


NAMES = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=3, max_size=20).map(str.strip),
    min_size=0,
    max_size=200,
    unique_by=lambda name: " ".join(name.split()),
).map(lambda names: [n for n in names if len(n) >= 3 and " " not in n])


@settings(max_examples=60, deadline=None)
@given(names=NAMES, data=st.data())
def test_any_option_is_reached_by_typing_its_name_and_no_list_outgrows_a_chat(
    names: list[str], data: st.DataObject
) -> None:
    options = tuple(Option(f"v{i}", name) for i, name in enumerate(names))
    engine = make_engine(pick_flow("many"))

    def many(_name: str, _data: Mapping[str, Any]) -> Sequence[Option]:
        return options

    start = engine.start("pick", T0, many)
    assert len(start.replies[-1].options) <= LIST_LIMIT  # Telegram takes at most 100 buttons
    if not options:
        return
    wanted = data.draw(st.sampled_from(options))
    done = engine.advance(start.state, msg(wanted.label.upper()), T0, many)
    assert done.outcome is not None and done.outcome.data["who"] == wanted.value
