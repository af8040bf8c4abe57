"""A small, channel-agnostic dialog engine.

A flow is a list of steps. Each step asks (a catalog prompt, optional choices), validates the answer
(accept and store, or re-ask with a helpful message) and names the next step. The last step is
always a confirmation; confirming yields an `Outcome` that a handlers action turns into records.
The engine is pure: state in, state and replies out. Persisting the state is the caller's job.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from conversations.catalog import Catalog
from conversations.choices import match_option
from conversations.long_lists import (
    SHORTLIST_KEY,
    Choices,
    look_up,
    step_choices,
    with_shortlist,
)
from conversations.messages import Inbound, Option, Outcome, Reply

IDLE_TIMEOUT = timedelta(minutes=30)
CONFIRM_STEP = "_confirm"
ABORT = "_abort"  # a next-step rule may return this: the flow ends and keeps nothing
CONFIRM_SEND, CONFIRM_RESTART, CONFIRM_CANCEL = "kirim", "ulang", "batal"
# The engine's own choices; a leading underscore keeps them apart from any domain value (a
# typed "selesai" or "lewati" still matches them by their label).
SKIP = "_lewati"
DONE = "_selesai"


class Invalid(Exception):
    """Raised by a step's parser: the answer is not usable; `key` explains why."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class Choice:
    value: str
    label_key: str


OptionSource = Callable[[str, Mapping[str, Any]], Sequence[Option]]
"""Supplies options for steps whose choices come from data (e.g. the kecamatan of a district)."""


@dataclass(frozen=True)
class Step:
    name: str
    prompt: str
    choices: tuple[Choice, ...] = ()
    dynamic_choices: str | None = None
    # Free-text validator: returns the value to store or raises Invalid. With choices it is
    # consulted only when the answer matches no option (e.g. a typed place name).
    parse: Callable[[str, Mapping[str, Any]], Any] | None = None
    # Pass a chosen option's value through `parse` too (e.g. "hari ini" -> an ISO date).
    parse_choices: bool = False
    skippable: bool = False
    collects_attachments: bool = False
    # Several options may be picked, one message at a time (or "1, 3"), until Selesai.
    multiple: bool = False
    # When the data offers exactly one option (e.g. the only kabupaten), take it without asking.
    auto_single: bool = False
    next: Callable[[Mapping[str, Any]], str | None] | None = None
    help: str | None = None
    # Extra values for the prompt text, e.g. a label for a code stored by an earlier step.
    prompt_params: Callable[[Mapping[str, Any], Catalog], Mapping[str, Any]] | None = None


@dataclass(frozen=True)
class Flow:
    name: str
    steps: tuple[Step, ...]
    summary: Callable[[Mapping[str, Any], Catalog], str]
    intro: str | None = None
    abort_message: str = "conv.cancelled"
    # False for a flow that only looks something up: its last answer completes it at once.
    confirm: bool = True

    def step(self, name: str) -> Step:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(f"flow {self.name} has no step {name}")

    def after(self, step: Step, data: Mapping[str, Any]) -> str:
        if step.next is not None:
            chosen = step.next(data)
            return chosen if chosen is not None else CONFIRM_STEP
        index = self.steps.index(step)
        return self.steps[index + 1].name if index + 1 < len(self.steps) else CONFIRM_STEP


@dataclass(frozen=True)
class FlowState:
    flow: str | None = None
    step: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    token: str | None = None
    updated_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.flow is not None

    def expired(self, now: datetime) -> bool:
        return self.active and self.updated_at is not None and now - self.updated_at > IDLE_TIMEOUT


IDLE = FlowState()


@dataclass(frozen=True)
class Transition:
    state: FlowState
    replies: list[Reply]
    outcome: Outcome | None = None
    show_menu: bool = False


def new_token() -> str:
    return secrets.token_hex(3)


def split_choice(raw: str) -> tuple[str | None, str]:
    token, sep, value = raw.partition(":")
    return (token, value) if sep else (None, raw)


class Engine:
    def __init__(
        self,
        flows: Mapping[str, Flow],
        catalog: Catalog,
        token_factory: Callable[[], str] = new_token,
    ) -> None:
        self.flows = flows
        self.t = catalog
        self._token = token_factory

    def fresh_token(self) -> str:
        return self._token()

    # -- rendering -------------------------------------------------------------------------
    def options_for(self, state: FlowState, source: OptionSource | None) -> tuple[Option, ...]:
        return self.choices(state, source).accepted

    def choices(self, state: FlowState, source: OptionSource | None) -> Choices:
        flow = self.flows[state.flow or ""]
        if state.step == CONFIRM_STEP:
            confirm = (
                Option(CONFIRM_SEND, self.t("conv.confirm_send")),
                Option(CONFIRM_RESTART, self.t("conv.confirm_restart")),
                Option(CONFIRM_CANCEL, self.t("conv.confirm_cancel")),
            )
            return Choices(confirm, confirm)
        step = flow.step(state.step or "")
        offered: Sequence[Option] = ()
        if step.dynamic_choices and source is not None:
            offered = source(step.dynamic_choices, state.data)
        fixed = [Option(c.value, self.t(c.label_key)) for c in step.choices]
        if step.collects_attachments or step.multiple:
            fixed.append(Option(DONE, self.t("conv.attachments_done")))
        elif step.skippable:
            fixed.append(Option(SKIP, self.t("conv.skip")))
        return step_choices(offered, fixed, step.multiple, state.data)

    def prompt(self, state: FlowState, source: OptionSource | None) -> tuple[FlowState, Reply]:
        """Render the current step; a fresh token makes every older keyboard stale."""
        flow = self.flows[state.flow or ""]
        choices = self.choices(state, source)
        options = choices.listed
        token = self.fresh_token() if options else None
        if state.step == CONFIRM_STEP:
            text = self.t("conv.confirm_prompt", summary=flow.summary(state.data, self.t))
        else:
            step = flow.step(state.step or "")
            params = _printable(state.data)
            if step.prompt_params is not None:
                params.update(step.prompt_params(state.data, self.t))
            text = self.t(step.prompt, **params)
            if choices.searched and not state.data.get(SHORTLIST_KEY):
                text += "\n\n" + self.t("conv.type_to_search", count=len(choices.searched))
        return replace(state, token=token), Reply(text, options, token)

    # -- transitions -----------------------------------------------------------------------
    def start(
        self,
        flow_name: str,
        now: datetime,
        source: OptionSource | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> Transition:
        flow = self.flows[flow_name]
        values = dict(data or {})
        first = self._past_automatic(flow, flow.steps[0].name, values, source)
        state = FlowState(flow_name, first, values, None, now)
        state, reply = self.prompt(state, source)
        replies = [Reply(self.t(flow.intro))] if flow.intro else []
        return Transition(state, [*replies, reply])

    def reprompt(
        self, state: FlowState, now: datetime, source: OptionSource | None, notice: str
    ) -> Transition:
        state, reply = self.prompt(replace(state, updated_at=now), source)
        return Transition(state, [Reply(notice), reply])

    def knows(self, state: FlowState) -> bool:
        """Whether a saved state still names a flow and step this version has (a flow may have
        changed its steps between a release and the next message)."""
        flow = self.flows.get(state.flow or "")
        if flow is None:
            return False
        return state.step == CONFIRM_STEP or any(step.name == state.step for step in flow.steps)

    def advance(
        self, state: FlowState, message: Inbound, now: datetime, source: OptionSource | None = None
    ) -> Transition:
        """Apply one message to an active, unexpired flow."""
        flow = self.flows[state.flow or ""]
        choices = self.choices(state, source)
        options = choices.listed
        chosen: Option | None = None
        if message.choice is not None:
            token, value = split_choice(message.choice)
            chosen = next((o for o in choices.accepted if o.value == value), None)
            if token != state.token or chosen is None:
                return self.reprompt(state, now, source, self.t("conv.stale_choice"))
        elif message.text.strip():
            chosen = match_option(message.text, options)
            if chosen is None and choices.searched:
                chosen, close = look_up(message.text, choices.searched)
                if close:
                    shortlisted = replace(state, data=with_shortlist(state.data, close))
                    return self.reprompt(shortlisted, now, source, self.t("conv.shortlist"))

        if state.step == CONFIRM_STEP:
            return self._confirm(flow, state, chosen, now, source)

        step = flow.step(state.step or "")
        data = dict(state.data)
        data.pop(SHORTLIST_KEY, None)
        typed = message.text
        if message.choice is None and _keeps_typed(step, chosen, typed, choices.accepted, data):
            chosen = None
        if step.collects_attachments and message.attachments:
            stored = list(data.get(step.name) or [])
            stored.extend(a.to_dict() for a in message.attachments)
            data[step.name] = stored
            if not message.text.strip() and chosen is None:
                state, reply = self.prompt(replace(state, data=data, updated_at=now), source)
                notice = self.t("conv.attachment_received", count=len(stored))
                return Transition(state, [Reply(notice), reply])

        if step.multiple:
            picked = _picks(message, chosen, options)
            if picked:
                return self._toggle(state, data, step, picked, options, now, source)
            if chosen is not None and chosen.value == DONE and not data.get(step.name):
                return self.reprompt(state, now, source, self.t("conv.pick_at_least_one"))
        if chosen is not None and _is_engine_option(step, chosen):
            data.setdefault(step.name, [] if step.collects_attachments else None)
        elif chosen is not None and not (step.parse_choices and step.parse is not None):
            data[step.name] = chosen.value
        elif chosen is not None and step.parse is not None:
            try:
                data[step.name] = step.parse(chosen.value, data)
            except Invalid as problem:
                return self.reprompt(state, now, source, self.t(problem.key, **problem.params))
        elif step.parse is not None and message.text.strip():
            try:
                data[step.name] = step.parse(message.text.strip(), data)
            except Invalid as problem:
                return self.reprompt(state, now, source, self.t(problem.key, **problem.params))
        else:
            key = "conv.choose_from_list" if options else "conv.answer_needed"
            if choices.searched:
                key = "conv.search_not_found"
            return self.reprompt(state, now, source, self.t(key))

        next_step = self._past_automatic(flow, flow.after(step, data), data, source)
        if next_step == ABORT:
            return Transition(IDLE, [Reply(self.t(flow.abort_message))], show_menu=True)
        if next_step == CONFIRM_STEP and not flow.confirm:
            return Transition(IDLE, [], Outcome(flow.name, data))
        following = FlowState(flow.name, next_step, data, None, now)
        following, reply = self.prompt(following, source)
        return Transition(following, [reply])

    def _past_automatic(
        self, flow: Flow, name: str, data: dict[str, Any], source: OptionSource | None
    ) -> str:
        """Answer every `auto_single` step that has one option only; return the step to ask."""
        while name not in (CONFIRM_STEP, ABORT):
            step = flow.step(name)
            if not (step.auto_single and step.dynamic_choices and source is not None):
                return name
            offered = source(step.dynamic_choices, data)
            if len(offered) != 1:
                return name
            data[step.name] = offered[0].value
            name = flow.after(step, data)
        return name

    def _toggle(
        self,
        state: FlowState,
        data: dict[str, Any],
        step: Step,
        picked: list[Option],
        options: tuple[Option, ...],
        now: datetime,
        source: OptionSource | None,
    ) -> Transition:
        chosen = list(data.get(step.name) or [])
        for option in picked:
            if option.value in chosen:
                chosen.remove(option.value)
            else:
                chosen.append(option.value)
        data[step.name] = chosen
        labels = ", ".join(o.label for o in options if o.value in chosen) or "-"
        state, reply = self.prompt(replace(state, data=data, updated_at=now), source)
        return Transition(state, [Reply(self.t("conv.picked", items=labels)), reply])

    def _confirm(
        self,
        flow: Flow,
        state: FlowState,
        chosen: Option | None,
        now: datetime,
        source: OptionSource | None,
    ) -> Transition:
        if chosen is None:
            return self.reprompt(state, now, source, self.t("conv.choose_from_list"))
        if chosen.value == CONFIRM_SEND:
            return Transition(IDLE, [], Outcome(flow.name, dict(state.data)))
        if chosen.value == CONFIRM_RESTART:
            answers = {step.name for step in flow.steps}
            context = {k: v for k, v in state.data.items() if k not in answers}
            return self.start(flow.name, now, source, data=context)
        return Transition(IDLE, [Reply(self.t("conv.cancelled"))], show_menu=True)

    def help(self, state: FlowState, now: datetime, source: OptionSource | None) -> Transition:
        flow = self.flows[state.flow or ""]
        key = "conv.help_confirm"
        if state.step != CONFIRM_STEP:
            key = flow.step(state.step or "").help or "conv.help_step"
        return self.reprompt(state, now, source, self.t(key))


def _keeps_typed(
    step: Step,
    chosen: Option | None,
    text: str,
    options: Sequence[Option],
    data: Mapping[str, Any],
) -> bool:
    """A close spelling of an option must not swallow words the step can keep as typed:
    "besok pagi jam 9" is a time, not "Besok"; "Wati" is a name, not "Lewati"."""
    typed = text.strip()
    if chosen is None or step.parse is None or match_option(typed, options, fuzzy=False):
        return False
    try:
        step.parse(typed, data)
    except Invalid:
        return False
    return True


def _is_engine_option(step: Step, chosen: Option) -> bool:
    """The engine's own "Selesai"/"Lewati", not a domain value spelled the same (a complaint's
    status "selesai" offered as a filter is an answer like any other)."""
    if step.collects_attachments or step.multiple:
        return chosen.value == DONE
    return step.skippable and chosen.value == SKIP


def _picks(message: Inbound, chosen: Option | None, options: tuple[Option, ...]) -> list[Option]:
    """The options a multiple-choice answer toggles: one pressed or typed, or "1, 3"."""
    if chosen is not None:
        return [] if chosen.value == DONE else [chosen]
    if message.choice is not None or "," not in message.text:
        return []
    parts = [match_option(part, options) for part in message.text.split(",")]
    return [o for o in parts if o is not None and o.value != DONE]


def _printable(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if isinstance(v, str | int)}
