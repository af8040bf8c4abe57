"""The supervisor's P2K2 item: the coverage of their pendamping at once, then their field visits
still ahead and a choice to schedule a joint field visit or write a monitoring note."""

from __future__ import annotations

from conversations.flows import field_visit, p2k2_monitoring
from conversations.messages import Option, Reply
from handlers.core import prompts
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from handlers.p2k2.views import coverage_for_staff
from handlers.p2k2.visits import flow_data, pendamping_options, upcoming_lines
from storage.models import ActionPrompt

MENU_ACTION = "p2k2.supervisor_menu"
VISIT, NOTE = "kunjungan", "monitoring"


def supervisor_menu(turn: Turn) -> list[Reply]:
    t = turn.t
    options = [
        Option(VISIT, t("p2k2_sup.menu.opt_visit")),
        Option(NOTE, t("p2k2_sup.menu.opt_note")),
    ]
    visits = upcoming_lines(turn)
    lines = [t("p2k2_sup.visit.upcoming_header"), *visits] if visits else []
    text = "\n".join([*lines, t("p2k2_sup.menu.more")])
    prompt = prompts.make_prompt(turn.session, turn.staff, MENU_ACTION, 0, text, options, turn.now)
    return [*coverage_for_staff(turn), prompt]


def answer_menu(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    if not pendamping_options(turn, {}):
        return PromptResult([Reply(turn.t("p2k2_sup.menu.no_pendamping"))])
    name = field_visit.NAME if value == VISIT else p2k2_monitoring.NAME
    return PromptResult([], name, flow_data(turn))
