"""Answering in a case's feedback thread: the pendamping answers the supervisor's feedback, the
supervisor replies, and so on, each answer one text, masked like every free text."""

from __future__ import annotations

from conversations.flows.validators import text_flow

REPLY = "case_thread_reply"
# "Siap, Bu" is an answer; a thread message is never longer than the feedback that opened it.
REPLY_MIN, REPLY_MAX = 2, 1500

FLOW = text_flow(
    REPLY,
    "text",
    "case_thread.ask_reply",
    "case_thread.reply_summary",
    "case_thread.reply_short",
    REPLY_MIN,
    REPLY_MAX,
)
