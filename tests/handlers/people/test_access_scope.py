"""The access policy at two kabupaten in two provinces: complaints filed in each place, of
unknown place, naming a pendamping under another category, and given to a pendamping. For each
person: exactly what they were told, and what their lists show. And the policy's Python and SQL
answers agree for every reader and row."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from handlers.core.context import AppContext
from handlers.people import access
from storage.db import transaction
from storage.models import Complaint, Person, Role
from tests.support import Chat, texts

TICKET = re.compile(r"nomor (ADU-[A-Z0-9]{6,10})")

# key: name, role, phone, kabupaten, kecamatan, provinsi, the key of the person they report to
ROSTER = {
    "wa": ("Widodo Korwil", "korwil", "+6281230000001", "", "", "Jatim", None),
    "ka": ("Kartini Korkab", "korkab", "+6281230000002", "Trenggalek", "", "Jatim", None),
    "sa": ("Surya Supervisor", "supervisor", "+6281230000003", "Trenggalek", "", "Jatim", "ka"),
    "pa1": ("Sari Rahayu", "pendamping", "+6281230000004", "Trenggalek", "Pogalan", "Jatim", "sa"),
    "pa2": ("Agus Santoso", "pendamping", "+6281230000005", "Trenggalek", "Pogalan", "Jatim", "sa"),
    "pa3": ("Rina Wulandari", "pendamping", "+6281230000006", "Trenggalek", "Durenan", "Jatim", "sa"),  # noqa: E501
    "ak": ("Anton Admin", "admin", "+6281230000007", "Trenggalek", "", "Jatim", None),
    "wb": ("Wulan Korwil", "korwil", "+6281240000001", "", "", "Jateng", None),
    "kb": ("Kusuma Korkab", "korkab", "+6281240000002", "Wonogiri", "", "Jateng", None),
    "sb": ("Sinta Supervisor", "supervisor", "+6281240000003", "Wonogiri", "", "Jateng", "kb"),
    "pb1": ("Budi Hartono", "pendamping", "+6281240000004", "Wonogiri", "Baturetno", "Jateng", "sb"),  # noqa: E501
    "pb2": ("Dian Permata", "pendamping", "+6281240000005", "Wonogiri", "Eromoko", "Jateng", "sb"),
    "desk": ("Dewa Meja", "admin", "+6281250000001", "", "", "", None),
}  # fmt: skip

# Who sees which complaint once the desk placed C3 in Eromoko and the supervisor gave C5 to
# Rina; anyone not named sees none.
SCOPE = {
    "sa": {"c1", "c4", "c5"},
    "ka": {"c1", "c4", "c5"},
    "wa": {"c1", "c4", "c5"},
    "ak": {"c1", "c4", "c5"},
    "sb": {"c2", "c3"},
    "kb": {"c2", "c3"},
    "wb": {"c2", "c3"},
    "desk": {"c1", "c2", "c3", "c4", "c5"},
    "pa3": {"c5"},
}


def add_two_provinces(sessions: sessionmaker[Session]) -> None:
    """The ROSTER above, linked as it says."""
    with transaction(sessions) as session:
        people: dict[str, Person] = {}
        for key, (name, role, phone, kabupaten, kecamatan, provinsi, _boss) in ROSTER.items():
            people[key] = Person(
                role=role,
                name=name,
                phone=phone,
                kabupaten=kabupaten,
                kecamatan=kecamatan,
                provinsi=provinsi,
                timezone="Asia/Jakarta",
            )
        session.add_all(people.values())
        session.flush()
        for key, (*_, boss) in ROSTER.items():
            if boss is not None:
                people[key].supervisor_id = people[boss].id


@pytest.fixture
def two_provinces(ctx: AppContext) -> None:
    add_two_provinces(ctx.sessions)


@dataclass
class Place:
    kabupaten: str
    kecamatan: str | None = None


def file(kpm: Chat, place: Place | None, category: str, story: str) -> str:
    kpm.send("menu")
    kpm.press("Buat pengaduan")
    kpm.press("Setuju")
    kpm.press(category)
    if place is None:
        kpm.press("Tidak tahu")
    else:
        kpm.press(place.kabupaten)
        kpm.press(place.kecamatan or "Tidak tahu")
    kpm.send(story)
    kpm.press("Selesai")
    kpm.press("Lewati")
    kpm.press("Boleh")
    filed = texts(kpm.press("Ya, kirim"))
    match = TICKET.search(filed)
    assert match is not None, filed
    return match.group(1)


def told(chats: dict[str, Chat]) -> dict[str, str]:
    return {key: texts(chat.inbox()) for key, chat in chats.items()}


def tickets_in(text: str, tickets: dict[str, str]) -> set[str]:
    return {name for name, code in tickets.items() if code in text}


def listed(chat: Chat) -> str:
    """Everything a coordinator's or supervisor's 'Daftar pengaduan' shows."""
    chat.send("menu")
    chat.press("Daftar pengaduan")
    return texts(chat.press("Semua yang masih berjalan"))


def visible_tickets(ctx: AppContext, phone: str) -> set[str]:
    with ctx.sessions() as session:
        reader = session.scalars(select(Person).where(Person.phone == phone)).one()
        return set(
            session.scalars(
                select(Complaint.ticket_code).where(access.complaints_visible_to(reader))
            )
        )


def test_each_person_is_told_and_shown_exactly_their_scope(
    ctx: AppContext, two_provinces: None
) -> None:
    chats = {key: Chat(ctx, phone) for key, (_n, _r, phone, *_rest) in ROSTER.items()}
    kpm = Chat(ctx, "+6281399990001")
    tickets: dict[str, str] = {}

    # C1: Pogalan, Trenggalek: the supervisor of the kecamatan, no one else.
    tickets["c1"] = file(
        kpm, Place("Trenggalek", "Pogalan"), "Bantuan tidak diterima / saldo nol",
        "Bantuan bulan ini belum masuk sejak Oktober",
    )  # fmt: skip
    # C2: Baturetno, Wonogiri, in the other province.
    tickets["c2"] = file(
        kpm, Place("Wonogiri", "Baturetno"), "Kartu KKS hilang, tertelan, atau terblokir",
        "Kartu saya tertelan mesin ATM di pasar",
    )  # fmt: skip
    # C3: place not known: the complaint desk only.
    tickets["c3"] = file(
        kpm, None, "Lupa PIN kartu", "Saya lupa PIN kartu dan tidak bisa ambil bantuan"
    )
    # C4: names a pendamping, under another category: conduct, never to a pendamping.
    tickets["c4"] = file(
        kpm, Place("Trenggalek", "Pogalan"), "Data tidak sesuai (nama, anggota keluarga)",
        "Data anak saya salah, sudah lapor ke bu Sari tapi tidak ditanggapi",
    )  # fmt: skip
    # C5: Durenan: the supervisor will give it to Rina.
    tickets["c5"] = file(
        kpm, Place("Trenggalek", "Durenan"), "Pertemuan kelompok (P2K2)",
        "Pertemuan kelompok di desa kami sudah tiga bulan tidak ada",
    )  # fmt: skip

    first = told(chats)
    expected_first = {
        "sa": {"c1", "c4", "c5"},
        "ka": {"c4"},  # conduct: the level above the handler too
        "sb": {"c2"},
        "desk": {"c3"},
    }
    for key in ROSTER:
        assert tickets_in(first[key], tickets) == expected_first.get(key, set()), key
    assert "bu Sari" not in first["pa1"]

    # The desk places C3 in Eromoko, Wonogiri: it goes to that kecamatan's supervisor.
    desk = chats["desk"]
    desk.press("Tempatkan")
    desk.press("Wonogiri")
    desk.press("Eromoko")
    assert "diteruskan ke Sinta Supervisor" in texts(desk.press("Ya, kirim"))
    # The supervisor gives C5 to Rina, and only Rina hears the story.
    surya = chats["sa"]
    prompt = surya.last_prompt("Serahkan ke pendamping")
    assert tickets["c5"] in prompt.text
    serahkan = next(o for o in prompt.options if o.value == "serahkan")
    asked = surya.send(choice=prompt.callback_data(serahkan))[-1]
    assert [o.label for o in asked.options] == ["Rina Wulandari (Durenan)"]
    surya.press("Rina Wulandari (Durenan)")
    assert "diserahkan ke Rina Wulandari" in texts(surya.press("Ya, kirim"))

    second = told(chats)
    expected_second = {"sb": {"c3"}, "pa3": {"c5"}, "desk": set(), "sa": set()}
    for key in ROSTER:
        assert tickets_in(second[key], tickets) == expected_second.get(key, set()), key
    assert "tiga bulan tidak ada" in second["pa3"]

    # What each list shows (chat lists for those with one; the policy's query for all).
    for key, (_name, role, phone, *_rest) in ROSTER.items():
        want = SCOPE.get(key, set())
        assert tickets_in(" ".join(visible_tickets(ctx, phone)), tickets) == want, key
        if role != Role.PENDAMPING:
            assert tickets_in(listed(chats[key]), tickets) == want, key

    with ctx.sessions() as session:
        c4 = session.scalars(select(Complaint).where(Complaint.ticket_code == tickets["c4"])).one()
        assert c4.about_conduct and c4.named_pendamping.name == "Sari Rahayu"
        c5 = session.scalars(select(Complaint).where(Complaint.ticket_code == tickets["c5"])).one()
        assert (c5.handler.name, c5.assignee.name) == ("Surya Supervisor", "Rina Wulandari")


def test_the_python_and_sql_answers_agree_for_every_reader_and_row(
    ctx: AppContext, two_provinces: None
) -> None:
    kpm = Chat(ctx, "+6281399990002")
    file(
        kpm,
        Place("Trenggalek", "Pogalan"),
        "Lupa PIN kartu",
        "Saya lupa PIN kartu saya, mohon bantu",
    )
    file(kpm, Place("Wonogiri", None), "Perilaku pendamping", "Pak Budi minta uang lima puluh ribu")
    file(kpm, None, "Layanan lain", "Saya ingin bertanya tentang bantuan sekolah anak")
    with transaction(ctx.sessions) as session:
        people = session.scalars(select(Person)).all()
        budi = next(p for p in people if p.name == "Budi Hartono")
        rina = next(p for p in people if p.name == "Rina Wulandari")
        first = session.scalars(select(Complaint).order_by(Complaint.id)).first()
        assert first is not None
        first.assignee_id = rina.id  # even an odd assignment is judged the same both ways
        complaints = session.scalars(select(Complaint)).all()
        conduct = next(c for c in complaints if c.category == "perilaku_pendamping")
        assert conduct.named_pendamping_id == budi.id
        for reader in people:
            seen_sql = set(
                session.scalars(select(Complaint.id).where(access.complaints_visible_to(reader)))
            )
            seen_py = {c.id for c in complaints if access.may_see_complaint(reader, c)}
            assert seen_sql == seen_py, reader.name
            people_sql = set(
                session.scalars(select(Person.id).where(access.person_in_scope(reader)))
            )
            people_py = {p.id for p in people if access.may_read_work_of(reader, p)}
            assert people_sql == people_py, reader.name
            assert conduct.id not in {c.id for c in complaints if access.may_see_complaint(budi, c)}
