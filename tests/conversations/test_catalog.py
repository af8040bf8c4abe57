"""The catalogs: id and en agree key for key and placeholder for placeholder, and every key the
code names exists."""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.runtime import Runtime
from bot.settings import Settings
from conversations.catalog import LANGUAGES, load_catalog
from conversations.flows import FLOWS, consultation
from conversations.privacy import mask_sensitive
from handlers.core.identity import PUBLIC
from handlers.core.menus import MENUS
from storage.models import Complaint, Role
from storage.vocabulary import ComplaintCategory, ConsultationTopic, ContactMode, Urgency
from tests.support import Chat, texts

ROOT = Path(__file__).parents[2]
CODE_PACKAGES = ("conversations", "handlers", "scheduler", "bot", "storage")
KEY_SHAPE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
ROLES = (*tuple(Role), PUBLIC)
# f-string key families and every value the code may put in them.
FAMILIES: dict[str, tuple[str, ...]] = {
    "topic.": tuple(ConsultationTopic),
    "urgency.": tuple(Urgency),
    "mode.": tuple(ContactMode),
    "when.": consultation.TIMES,
    "category.": tuple(ComplaintCategory),
    "role.": tuple(Role),
    "menu.greeting_": ROLES,
    "menu.help_": ROLES,
}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def words(text: str) -> int:
    """How many words a text has outside its placeholders."""
    return len(re.findall(r"[^\W\d_]{2,}", re.sub(r"\{\w+\}", "", text)))


def code_files() -> Iterator[Path]:
    for package in CODE_PACKAGES:
        yield from (ROOT / package).rglob("*.py")


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


def literal_keys_and_families() -> tuple[set[str], set[str]]:
    """String constants shaped like catalog keys, and the literal heads of f-string keys."""
    sections = {key.split(".", 1)[0] for key in load_catalog("id").texts}
    keys: set[str] = set()
    families: set[str] = set()
    for path in code_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_fstring: set[int] = set()
        actions: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _called_name(node) == "record":
                # audit.record(session, "complaint.filed", ...) names an action, not a text.
                actions.update(id(arg) for arg in node.args)
            if isinstance(node, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id.endswith("ACTION")
                for target in node.targets
            ):
                # OPEN_ACTION = "consult.open" names a button's action, not a text.
                actions.add(id(node.value))
            if isinstance(node, ast.JoinedStr):
                in_fstring.update(id(v) for v in node.values)
                head = node.values[0] if node.values else None
                if (
                    isinstance(head, ast.Constant)
                    and isinstance(head.value, str)
                    and len(node.values) > 1
                    and re.fullmatch(r"[a-z0-9_]+\.[a-z0-9_]*", head.value)
                    and head.value.split(".", 1)[0] in sections
                ):
                    families.add(head.value)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in in_fstring | actions
                and KEY_SHAPE.match(node.value)
                and node.value.split(".", 1)[0] in sections
            ):
                keys.add(node.value)
    return keys, families


def test_both_catalogs_load_with_the_same_keys() -> None:
    catalogs = {language: load_catalog(language) for language in LANGUAGES}
    assert set(LANGUAGES) == {"id", "en"}
    assert len(catalogs["id"].texts) > 100
    missing_in_en = set(catalogs["id"].texts) - set(catalogs["en"].texts)
    extra_in_en = set(catalogs["en"].texts) - set(catalogs["id"].texts)
    assert not missing_in_en, f"keys missing from en.toml: {sorted(missing_in_en)}"
    assert not extra_in_en, f"keys only in en.toml: {sorted(extra_in_en)}"


def test_every_key_has_the_same_placeholders_in_both_languages() -> None:
    id_texts, en_texts = load_catalog("id").texts, load_catalog("en").texts
    differing = {
        key: (placeholders(id_texts[key]), placeholders(en_texts.get(key, "")))
        for key in id_texts
        if placeholders(id_texts[key]) != placeholders(en_texts.get(key, ""))
    }
    assert not differing


def test_no_text_is_empty_and_english_is_not_a_copy() -> None:
    id_texts, en_texts = load_catalog("id").texts, load_catalog("en").texts
    assert all(text.strip() for text in [*id_texts.values(), *en_texts.values()])
    same = [key for key, text in id_texts.items() if text == en_texts[key] and words(text) > 3]
    assert not same, f"untranslated long texts: {same}"


def test_every_literal_key_in_the_code_exists() -> None:
    keys, _ = literal_keys_and_families()
    assert {"conv.expired", "conv.error", "consult.sent", "conv.text_too_long"} <= keys
    catalog = load_catalog("id")
    assert sorted(k for k in keys if not catalog.has(k)) == []


def test_every_key_of_a_flow_or_menu_exists() -> None:
    catalog = load_catalog("id")
    named: set[str] = set()
    for flow in FLOWS.values():
        named.add(flow.abort_message)
        if flow.intro:
            named.add(flow.intro)
        for step in flow.steps:
            named.add(step.prompt)
            named.update(c.label_key for c in step.choices)
            if step.help:
                named.add(step.help)
    for items in MENUS.values():
        named.update(item.label_key for item in items)
    assert sorted(k for k in named if not catalog.has(k)) == []


def test_every_key_family_is_complete() -> None:
    _, families = literal_keys_and_families()
    assert {"topic.", "category.", "menu.greeting_"} <= families
    catalog = load_catalog("id")
    for family in families:
        values = FAMILIES.get(family)
        if values is None:
            # A family this test has no value list for: at least it must not be empty.
            assert any(k.startswith(family) for k in catalog.texts), family
            continue
        assert [v for v in values if not catalog.has(family + v)] == [], family
    complaint_default = Complaint.__table__.c.status.default.arg
    assert catalog.has(f"status.{complaint_default}")


@pytest.fixture
def english_runtime(
    monkeypatch: pytest.MonkeyPatch, database_url: str, db_engine: Engine, demo_roster: None
) -> Runtime:
    monkeypatch.setenv("PKH_LANGUAGE", "en")
    monkeypatch.setenv("DATABASE_URL", database_url)
    return Runtime(Settings(), engine=db_engine)


def test_pkh_language_en_gives_english_replies(english_runtime: Runtime) -> None:
    sari = Chat(english_runtime.ctx, "0812-1000-0003")
    menu = sari.send("menu")[-1]
    assert menu.text == "Hello Sari. What would you like to do today?"
    assert menu.options[0].label == "Ask for a consultation"
    intro = texts(sari.send("1"))
    assert "consultation request" in intro and "What is the consultation about?" in intro
    assert "Case management" in [o.label for o in sari.last_prompt().options]
    assert texts(sari.send("batal")).startswith("All right, cancelled. Nothing was saved.")


def test_labels_inside_sentences_keep_their_acronyms() -> None:
    from conversations.catalog import in_sentence

    assert in_sentence("Kartu KKS hilang, tertelan, atau terblokir") == (
        "kartu KKS hilang, tertelan, atau terblokir"
    )
    assert in_sentence("Chat WA/Telegram") == "chat WA/Telegram"
    assert in_sentence("P2K2") == "P2K2"
    assert in_sentence("KDRT") == "KDRT"
    assert in_sentence("Telepon") == "telepon"


def test_large_counts_are_grouped_and_survive_the_pin_mask() -> None:
    """A korwil's 120000 open cases read "120.000", not a bare six-digit run that the outgoing
    mask takes for a PIN; years and small counts are left alone."""
    t, en = load_catalog("id"), load_catalog("en")
    header = t("case.list_header", count=120_000, stages="asesmen 120.000")
    assert header.startswith("120.000 kasus aktif")
    assert mask_sensitive(header) == header
    assert en("case.list_header", count=1_234_567, stages="-").startswith("1,234,567 ")
    assert t("case.list_header", count=9_999, stages="-").startswith("9999 kasus aktif")
    assert t("case.list_header", count=True, stages="-").startswith("True")  # not a count
