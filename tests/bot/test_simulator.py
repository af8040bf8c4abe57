"""The web simulator through the real FastAPI app: the page, personas, sending, and every main
menu item of every role answering something sensible."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.runtime import Runtime
from bot.settings import Settings
from conversations.catalog import load_catalog
from handlers.core.identity import PUBLIC
from handlers.core.menus import MENUS
from handlers.people.phones import to_e164
from handlers.people.roster import import_roster
from storage.db import transaction
from storage.models import ConversationState, Role

t = load_catalog("id")
PHONES = {
    Role.PENDAMPING: "0812-1000-0003",
    Role.SUPERVISOR: "0812-1000-0002",
    Role.KORKAB: "0812-1000-0001",
    Role.ADMIN: "0812-1000-0009",
    PUBLIC: "0813-9000-0001",
}
ADMIN_ROW = "admin,Admin Kabupaten,0812-1000-0009,Trenggalek,,,WIB\n"


@pytest.fixture
def runtime(database_url: str, db_engine: Engine, demo_roster: None) -> Runtime:
    return Runtime(Settings(DATABASE_URL=database_url), engine=db_engine)


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime, run_background=False)) as test_client:
        yield test_client


class Sim:
    """Chats on the simulator page's API, dispatching the outbox after each message."""

    def __init__(self, client: TestClient, runtime: Runtime, address: str) -> None:
        self.client, self.runtime, self.address, self.after = client, runtime, address, 0

    def send(self, text: str = "", choice: str | None = None) -> list[dict[str, Any]]:
        response = self.client.post(
            "/sim/api/send", json={"address": self.address, "text": text, "choice": choice}
        )
        assert response.status_code == 200, response.text
        asyncio.run(self.runtime.dispatch_now())
        return self.messages()

    def press(self, message: dict[str, Any], value: str) -> list[dict[str, Any]]:
        return self.send(choice=f"{message['token']}:{value}")

    def messages(self) -> list[dict[str, Any]]:
        params: dict[str, str | int] = {"address": self.address, "after": self.after}
        response = self.client.get("/sim/api/messages", params=params)
        assert response.status_code == 200
        found = response.json()["messages"]
        if found:
            self.after = found[-1]["id"]
        return found


def test_the_page_is_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "pkh-bot · simulator" in page.text


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_personas_list_the_demo_roster(client: TestClient) -> None:
    personas = client.get("/sim/api/personas").json()["personas"]
    assert [(p["name"], p["role"], p["address"]) for p in personas] == [
        ("Agus Santoso", "pendamping", "+6281210000004"),
        ("Rina Wulandari", "pendamping", "+6281210000005"),
        ("Sari Rahayu", "pendamping", "+6281210000003"),
        ("Dewi Lestari", "supervisor", "+6281210000002"),
        ("Bambang Wijaya", "korkab", "+6281210000001"),
        ("Hendra Gunawan", "korwil", "+6281210000006"),
        ("Yuni Astuti", "admin", "+6281210000007"),
    ]
    assert all(p["received"] == 0 for p in personas)


def test_send_then_dispatch_shows_the_menu_with_options(
    client: TestClient, runtime: Runtime
) -> None:
    response = client.post("/sim/api/send", json={"address": "0812 1000 0003", "text": "menu"})
    assert response.json() == {"address": "+6281210000003"}
    pending = client.get("/sim/api/messages", params={"address": "0812-1000-0003"})
    assert pending.json()["messages"] == []  # not delivered until the dispatcher runs
    asyncio.run(runtime.dispatch_now())
    found = client.get("/sim/api/messages", params={"address": "0812-1000-0003"}).json()
    assert found["address"] == "+6281210000003"
    [menu] = found["messages"]
    assert menu["text"] == "Halo Sari. Mau melakukan apa hari ini?"
    assert menu["options"][0] == {"value": "konsultasi", "label": "Minta konsultasi"}
    assert menu["token"] and menu["sent_at"]
    after = client.get(
        "/sim/api/messages", params={"address": "+6281210000003", "after": menu["id"]}
    )
    assert after.json()["messages"] == []
    received = {
        p["address"]: p["received"] for p in client.get("/sim/api/personas").json()["personas"]
    }
    assert received["+6281210000003"] == 1


@pytest.mark.parametrize("address", ["12345", "halo halo", "0812", "+1 555 0100"])
def test_a_bad_number_is_refused_in_bahasa_indonesia(client: TestClient, address: str) -> None:
    response = client.post("/sim/api/send", json={"address": address, "text": "menu"})
    assert response.status_code == 422
    assert response.json()["detail"] == "Nomor telepon tidak dikenali. Contoh: 0812 3456 7890."


def test_a_button_press_moves_the_flow(client: TestClient, runtime: Runtime) -> None:
    sari = Sim(client, runtime, PHONES[Role.PENDAMPING])
    [menu] = sari.send("menu")
    intro, question = sari.press(menu, "konsultasi")
    assert intro["text"] == t("consult.intro") and question["text"] == t("consult.ask_topic")
    [urgency] = sari.press(question, "p2k2")
    assert urgency["text"] == t("consult.ask_urgency")


def state(sessions: sessionmaker[Session], address: str) -> ConversationState:
    with sessions() as session:
        return session.scalars(
            select(ConversationState).where(ConversationState.address == address)
        ).one()


@pytest.mark.parametrize("role", list(PHONES))
def test_every_main_menu_item_answers_sensibly(
    client: TestClient, runtime: Runtime, role: str
) -> None:
    if role == Role.ADMIN:
        with transaction(runtime.sessions) as session:
            header = "role,name,phone,kabupaten,kecamatan,supervisor_phone,timezone\n"
            assert import_roster(session, header + ADMIN_ROW, "Asia/Jakarta").added == 1
    person = Sim(client, runtime, PHONES[role])
    items = MENUS[role]
    for item in items:
        [menu] = person.send("menu")[-1:]
        assert [o["value"] for o in menu["options"]] == [i.value for i in items]
        answer = person.press(menu, item.value)
        texts = [m["text"] for m in answer]
        assert answer and all(text.strip() for text in texts), item
        assert t("conv.error") not in texts and t("conv.menu_expired") not in texts, item
        current = state(runtime.sessions, to_e164(PHONES[role]))
        if item.flow is not None:
            assert current.flow == item.flow, item
            assert current.step is not None
            person.send("batal")
        elif item.action is not None:
            # A list, then the menu; or a list with its own choices, then the hint to type menu.
            ends = answer[-1]["options"] or texts[-1] == t("conv.done_menu_hint")
            assert current.flow is None and ends, item
        else:
            assert texts[-1] == t("conv.not_available"), item
            assert answer[-1]["options"], item
