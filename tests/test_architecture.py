"""The shape of the code, checked: dependencies point inward, domain packages meet only through
the core and the access policy, modules stay small, constants and statuses are defined once."""

from __future__ import annotations

import ast
import io
import tokenize
from collections import defaultdict
from pathlib import Path

import pytest

from storage.vocabulary import STATUS_ENUMS, OutboxStatus

ROOT = Path(__file__).parents[1]
PACKAGES = ("bot", "handlers", "conversations", "storage", "scheduler")
DOMAINS = ("consultation", "cases", "p2k2", "complaints", "supervision")
# What every domain package may use of the rest of handlers/.
SHARED = ("handlers.core", "handlers.people", "handlers.calendar")
MAX_LINES = 400
LONG_REASON = "Why this module is long:"


def modules() -> list[Path]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                found.append(path)
    return found


def dotted(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every module a file imports (at any depth, including inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


FORBIDDEN = {
    "conversations": ("handlers", "bot", "scheduler", "telegram", "twilio", "fastapi", "starlette"),
    "handlers": ("bot", "scheduler", "telegram", "twilio", "fastapi", "starlette"),
    "storage": ("handlers", "conversations", "bot", "scheduler"),
    "scheduler": ("bot",),
}


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_dependencies_point_inward(path: Path) -> None:
    package = dotted(path).split(".")[0]
    bad = sorted(
        name
        for name in imports_of(path)
        for banned in FORBIDDEN.get(package, ())
        if within(name, banned)
    )
    assert bad == [], f"{dotted(path)} imports {bad}"


@pytest.mark.parametrize(
    "path",
    [p for p in modules() if dotted(p).split(".")[:2][-1] in DOMAINS],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_domain_packages_meet_only_through_the_core_and_the_policy(path: Path) -> None:
    own = ".".join(dotted(path).split(".")[:2])
    others = [
        name
        for name in imports_of(path)
        if within(name, "handlers")
        and not within(name, own)
        and not any(within(name, shared) for shared in SHARED)
        and name != "handlers"
    ]
    assert others == [], f"{dotted(path)} reaches into {others}"


def test_no_module_is_long_without_a_reason() -> None:
    long = []
    for path in modules():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_LINES and LONG_REASON not in (
            ast.get_docstring(ast.parse(text)) or ""
        ):
            long.append(f"{dotted(path)} ({text.count(chr(10))} lines)")
    assert long == []


def _constants(path: Path) -> dict[str, object]:
    """Module-level UPPER_CASE names bound to a literal (a string, number, tuple of them)."""
    found: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        for target in targets:
            if isinstance(target, ast.Name) and target.id.isupper():
                try:
                    found[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    continue
    return found


def test_no_constant_is_defined_twice() -> None:
    """The same name bound to the same value in two modules is one constant written twice."""
    seen: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in modules():
        for name, value in _constants(path).items():
            if name == "NAME":  # each flow's own name
                continue
            seen[(name, repr(value))].append(dotted(path))
    twice = {key: where for key, where in seen.items() if len(where) > 1}
    assert twice == {}


def _string_literals(path: Path) -> list[tuple[int, str]]:
    found = []
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    for token in tokens:
        if token.type == tokenize.STRING and not token.string.lstrip("rbuRBU").startswith(
            ('"""', "'''", 'f"', "f'")
        ):
            try:
                value = ast.literal_eval(token.string)
            except (ValueError, SyntaxError):
                continue
            if isinstance(value, str):
                found.append((token.start[0], value))
    return found


# Provider words are not ours: Twilio's delivery statuses include "sent" and "failed".
DOMAIN_STATUSES = {
    member.value for enum in STATUS_ENUMS if enum is not OutboxStatus for member in enum
}


def test_no_status_is_spelled_out_outside_the_vocabulary() -> None:
    spelled = [
        f"{dotted(path)}:{line} {value!r}"
        for path in modules()
        if path.name != "vocabulary.py"
        for line, value in _string_literals(path)
        if value in DOMAIN_STATUSES
    ]
    assert spelled == []
