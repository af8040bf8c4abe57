"""Success stories (most significant change): a pendamping tells a story with the family's
consent, children's names masked; the current supervisor reviews and selects; the korkab and
korwil read the selected ones within their scope, nobody else."""

from __future__ import annotations

from sqlalchemy import select, update

from conversations.messages import Reply
from handlers.core.context import AppContext
from handlers.people import access
from handlers.people.phones import to_e164
from storage.models import AuditEntry, Case, OutboxMessage, Person, Role, SuccessStory
from storage.vocabulary import CaseStage, CaseType, StoryStatus
from tests.support import Chat, ChatFactory, texts

SARI, AGUS, DEWI, BAMBANG = "0812-1000-0003", "0812-1000-0004", "0812-1000-0002", "0812-1000-0001"
HENDRA, YUNI = "0812-1000-0006", "0812-1000-0007"  # korwil, admin
WULAN = "0812-1000-0099"  # a second supervisor, added by the tests that need one
JOKO = "0812-1000-0098"  # a korkab of another kabupaten
CARD = "3503 1234 5678 9012"
BEFORE = "Keluarga Bu S. dulu jarang membawa anaknya Budi ke posyandu, tidak ada biaya."
CHANGE = "Setelah P2K2 modul kesehatan, si Ayu dan adiknya rutin ditimbang setiap bulan."
WHY = "Ibu sekarang yakin mengurus kesehatan anak sendiri, tanpa menunggu diingatkan."
REASON = "Perubahan datang dari ibu sendiri, contoh bagi kelompok An. Dimas."


def tell(sari: Chat, case: str = "Tanpa kasus", photo: bool = False) -> str:
    sari.send("menu")
    sari.press("Cerita perubahan")
    sari.press("Ya, sudah setuju")
    sari.press(case)
    sari.send(BEFORE)
    sari.send(CHANGE)
    sari.send(WHY)
    if photo:
        sari.attach("photo", "file-123")
    sari.press("Selesai")
    return texts(sari.press("Ya, kirim"))


def review(dewi: Chat, select_it: bool = True, setting: str = "Dalam sesi kelompok") -> str:
    dewi.press("Tinjau")
    dewi.press(setting)
    if select_it:
        dewi.press("Pilih sebagai paling bermakna")
        dewi.send(REASON)
    else:
        dewi.press("Sudah ditinjau")
    return texts(dewi.press("Ya, kirim"))


def stories(ctx: AppContext) -> list[SuccessStory]:
    with ctx.sessions() as session:
        return list(session.scalars(select(SuccessStory).order_by(SuccessStory.id)))


def add_person(ctx: AppContext, role: Role, name: str, phone: str, kabupaten: str) -> int:
    with ctx.sessions.begin() as session:
        person = Person(
            role=role,
            name=name,
            phone=to_e164(phone),
            kabupaten=kabupaten,
            kecamatan=kabupaten,
            provinsi="Jawa Timur",
            timezone="Asia/Jakarta",
        )
        session.add(person)
        session.flush()
        return person.id


def move_sari_to(ctx: AppContext, supervisor_id: int | None) -> None:
    with ctx.sessions.begin() as session:
        session.execute(
            update(Person).where(Person.phone == to_e164(SARI)).values(supervisor_id=supervisor_id)
        )


def press_foreign(someone: Chat, alert: Reply, label: str = "Tinjau") -> str:
    button = next(o for o in alert.options if o.label == label)
    return texts(someone.send(choice=alert.callback_data(button)))


def test_the_pendamping_menu_offers_the_story(chat: ChatFactory) -> None:
    sari = chat(SARI)
    [menu] = sari.send("menu")
    assert "Cerita perubahan" in [o.label for o in menu.options]
    assert len(menu.options) <= 9
    asked = texts(sari.press("Cerita perubahan"))
    assert asked == (
        "Apakah keluarga KPM sudah setuju ceritanya dicatat dan dibagikan dalam program?"
    )
    assert [o.label for o in sari.last_prompt().options] == ["Ya, sudah setuju", "Tidak / belum"]


def test_without_consent_nothing_is_kept(chat: ChatFactory, ctx: AppContext) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    sari.send("menu")
    sari.press("Cerita perubahan")
    answer = texts(sari.press("Tidak / belum"))
    assert "tidak ada yang dicatat" in answer
    assert "Sebelumnya" not in answer
    assert stories(ctx) == [] and dewi.inbox() == []
    with ctx.sessions() as session:
        assert session.scalars(select(OutboxMessage.kind)).all().count("success_story") == 0


def test_a_full_story_with_a_photo_reaches_the_supervisor_masked(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    sari.send("menu")
    sari.press("Cerita perubahan")
    sari.press("Ya, sudah setuju")
    assert "Tanpa kasus" in [o.label for o in sari.last_prompt().options]
    asked = texts(sari.press("Tanpa kasus"))
    assert "Jangan tulis nama anak" in asked
    assert "terlalu singkat" in texts(sari.send("baik"))
    sari.send(f"{BEFORE} KKS {CARD}.")
    sari.send(CHANGE)
    sari.send(WHY)
    assert "1" in texts(sari.attach("photo", "file-123"))
    summary = texts(sari.press("Selesai"))
    assert "anaknya [nama] ke posyandu" in summary and "Budi" not in summary
    assert "Foto: 1" in summary and "Keluarga KPM sudah setuju." in summary
    done = texts(sari.press("Ya, kirim"))
    assert "cerita perubahan sudah tersimpan" in done
    assert "sudah dikirim ke supervisor Anda, Dewi Lestari" in done
    [story] = stories(ctx)
    before = (
        "Keluarga Bu S. dulu jarang membawa anaknya [nama] ke posyandu, tidak ada biaya. "
        "KKS ************9012."
    )
    assert story.before == before
    assert story.change == (
        "Setelah P2K2 modul kesehatan, si [nama] dan adiknya rutin ditimbang setiap bulan."
    )
    assert story.why_it_matters == WHY
    assert story.case_id is None and story.status == StoryStatus.SUBMITTED
    assert story.consent_at is not None
    assert [item["ref"] for item in story.attachments["items"]] == ["file-123"]
    [alert] = dewi.inbox()
    assert alert.text.splitlines() == [
        "Cerita perubahan dari Sari Rahayu (Pogalan)",
        f"Sebelumnya: {before}",
        f"Perubahan: {story.change}",
        f"Mengapa penting: {WHY}",
        "Foto: 1",
    ]
    assert "Budi" not in alert.text and "Ayu" not in alert.text and CARD not in alert.text
    assert [o.label for o in alert.options] == ["Tinjau"]
    with ctx.sessions() as session:
        [entry] = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "story.submitted")
        ).all()
        assert "posyandu" not in str(entry.details) and entry.details["photos"] == 1


def add_case(ctx: AppContext, phone: str, code: str = "KS-ABC234") -> Case:
    with ctx.sessions.begin() as session:
        owner = session.scalars(select(Person).where(Person.phone == to_e164(phone))).one()
        now = ctx.clock()
        case = Case(
            pendamping_id=owner.id,
            code=code,
            label="Bu S., Desa Ngares",
            case_type=CaseType.HEALTH_NUTRITION,
            stage=CaseStage.ASSESSMENT,
            last_update_at=now,
            stage_since=now,
            created_at=now,
        )
        session.add(case)
        session.flush()
        session.expunge(case)
        return case


def test_a_story_about_one_of_their_cases(chat: ChatFactory, ctx: AppContext) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    case = add_case(ctx, SARI)
    agus_case = add_case(ctx, AGUS, "KS-XYZ789")
    choices = _case_choices(sari)
    assert [o.value for o in choices] == [str(case.id), "tanpa_kasus"]
    assert str(agus_case.id) not in [o.value for o in choices]
    tell(sari, case=choices[0].label)
    [story] = stories(ctx)
    assert story.case_id == case.id
    [alert] = dewi.inbox()
    assert alert.text.splitlines()[0] == (
        "Cerita perubahan dari Sari Rahayu (Pogalan), kasus KS-ABC234 (Bu S., Desa Ngares)"
    )


def _case_choices(sari: Chat) -> tuple:
    sari.send("menu")
    sari.press("Cerita perubahan")
    sari.press("Ya, sudah setuju")
    options = sari.last_prompt().options
    sari.send("batal")
    return options


def test_the_supervisor_selects_with_a_reason_and_the_pendamping_is_told(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    tell(sari)
    sari.inbox()
    dewi.inbox()
    asked = texts(dewi.press("Tinjau"))
    assert "Cerita dari Sari Rahayu ini ditinjau bagaimana?" in asked
    dewi.press("Sendiri")
    dewi.press("Pilih sebagai paling bermakna")
    assert "terlalu singkat" in texts(dewi.send("bagus"))
    summary = texts(dewi.send(REASON))
    assert "Alasan: Perubahan datang dari ibu sendiri, contoh bagi kelompok An. [nama]." in summary
    done = texts(dewi.press("Ya, kirim"))
    assert "Cerita dari Sari Rahayu dipilih sebagai paling bermakna" in done
    [story] = stories(ctx)
    assert story.status == StoryStatus.SELECTED and story.review_setting == "sendiri"
    assert (
        story.selected_reason
        == "Perubahan datang dari ibu sendiri, contoh bagi kelompok An. [nama]."
    )
    assert story.reviewed_at is not None
    [told] = sari.inbox()
    assert told.text.startswith("Cerita perubahan Anda (")
    assert "dipilih Dewi Lestari sebagai paling bermakna" in told.text
    assert "Dimas" not in told.text
    again = texts(dewi.press("Tinjau"))  # the old button is spent
    assert "Tinjau" not in again and "ditinjau bagaimana" not in again


def test_reviewed_not_selected_in_a_group_session(chat: ChatFactory, ctx: AppContext) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    tell(sari)
    sari.inbox()
    assert "sudah ditinjau" in review(dewi, select_it=False)
    [story] = stories(ctx)
    assert (story.status, story.review_setting, story.selected_reason) == (
        StoryStatus.REVIEWED,
        "kelompok",
        None,
    )
    [told] = sari.inbox()
    assert "sudah ditinjau Dewi Lestari" in told.text


def test_another_supervisor_or_a_former_one_is_refused(chat: ChatFactory, ctx: AppContext) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    add_person(ctx, Role.SUPERVISOR, "Wulan Sari", WULAN, "Trenggalek")
    wulan, agus = chat(WULAN), chat(AGUS)
    tell(sari)
    [alert] = dewi.inbox()
    for someone in (wulan, agus, sari):
        answer = press_foreign(someone, alert)
        assert "ditinjau bagaimana" not in answer
    with ctx.sessions() as session:
        wulan_id = session.scalars(select(Person.id).where(Person.phone == wulan.address)).one()
    move_sari_to(ctx, wulan_id)
    assert "tidak bisa Anda tinjau" in texts(dewi.press("Tinjau"))
    [story] = stories(ctx)
    assert story.status == StoryStatus.SUBMITTED and story.reviewed_by_id is None
    assert "Tidak ada cerita perubahan yang menunggu" in texts(
        [*dewi.send("menu"), *dewi.press("Cerita perubahan")]
    )
    wulan.send("menu")
    listed = wulan.press("Cerita perubahan")
    assert "1 cerita perubahan menunggu tinjauan:" in texts(listed)
    assert "Sari Rahayu" in texts(listed)
    [asked] = wulan.press("Tinjau")
    assert [o.label for o in asked.options] == ["Sendiri", "Dalam sesi kelompok"]


def test_a_move_during_the_review_changes_nothing(chat: ChatFactory, ctx: AppContext) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    tell(sari)
    sari.inbox()
    dewi.press("Tinjau")
    dewi.press("Sendiri")
    dewi.press("Sudah ditinjau")
    move_sari_to(ctx, None)
    assert "tidak bisa Anda tinjau" in texts(dewi.press("Ya, kirim"))
    assert stories(ctx)[0].status == StoryStatus.SUBMITTED
    assert sari.inbox() == []


def test_the_supervisor_lists_waiting_and_selected_stories(chat: ChatFactory) -> None:
    sari, agus, dewi = chat(SARI), chat(AGUS), chat(DEWI)
    dewi.send("menu")
    assert "Tidak ada cerita perubahan yang menunggu" in texts(dewi.press("Cerita perubahan"))
    tell(sari)
    tell(agus)
    dewi.inbox()
    dewi.send("menu")
    listed = dewi.press("Cerita perubahan")
    assert listed[0].text == "2 cerita perubahan menunggu tinjauan:"
    assert [r.text.splitlines()[0] for r in listed[1:3]] == [
        "Cerita perubahan dari Sari Rahayu (Pogalan)",
        "Cerita perubahan dari Agus Santoso (Pogalan)",
    ]
    # One prompt names them (a typed number answers the newest prompt only, on WhatsApp).
    assert [o.label.split(",")[0] for o in listed[3].options] == ["Sari Rahayu", "Agus Santoso"]
    assert listed[4].text == "Belum ada cerita terpilih."
    assert "Cerita dari Sari Rahayu ini ditinjau bagaimana?" in texts(dewi.send("1"))
    dewi.press("Dalam sesi kelompok")
    dewi.press("Pilih sebagai paling bermakna")
    dewi.send(REASON)
    dewi.press("Ya, kirim")
    dewi.send("menu")
    listed = dewi.press("Cerita perubahan")
    assert "1 cerita perubahan menunggu tinjauan:" in texts(listed)
    assert "Cerita terpilih (1):" in texts(listed) and "Sari Rahayu (Pogalan)" in texts(listed)
    assert dewi.last_prompt().text == "Tinjau cerita dari Agus Santoso?"  # the one left


def test_the_korkab_and_korwil_see_selected_stories_in_scope_only(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, agus, dewi = chat(SARI), chat(AGUS), chat(DEWI)
    bambang, hendra = chat(BAMBANG), chat(HENDRA)
    tell(sari)
    tell(agus)
    review(dewi)  # Agus's story selected
    dewi.press("Tinjau")  # then Sari's, only reviewed
    dewi.press("Sendiri")
    dewi.press("Sudah ditinjau")
    dewi.press("Ya, kirim")
    for coordinator in (bambang, hendra):
        [menu] = coordinator.send("menu")
        assert "Cerita terpilih" in [o.label for o in menu.options] and len(menu.options) <= 9
        shown = coordinator.press("Cerita terpilih")
        assert shown[0].text == "Cerita terpilih (1):"
        assert shown[1].text.splitlines() == [
            f"Agus Santoso (Pogalan), {shown[1].text.splitlines()[0].split(', ', 1)[1]}",
            "Sebelumnya: Keluarga Bu S. dulu jarang membawa anaknya [nama] ke posyandu, "
            "tidak ada biaya.",
            "Perubahan: Setelah P2K2 modul kesehatan, si [nama] dan adiknya rutin ditimbang "
            "setiap bulan.",
            f"Mengapa penting: {WHY}",
            "Alasan dipilih: Perubahan datang dari ibu sendiri, contoh bagi kelompok An. [nama].",
        ]
        assert "Sari Rahayu" not in texts(shown)
    add_person(ctx, Role.KORKAB, "Joko Susilo", JOKO, "Ponorogo")
    joko = chat(JOKO)
    joko.send("menu")
    assert joko.press("Cerita terpilih")[0].text == "Belum ada cerita terpilih."


def test_nobody_else_may_list_stories(chat: ChatFactory) -> None:
    sari, yuni = chat(SARI), chat(YUNI)
    tell(sari)
    [menu] = yuni.send("menu")
    assert "Cerita terpilih" not in [o.label for o in menu.options]
    [menu] = sari.send("menu")
    assert "Cerita terpilih" not in [o.label for o in menu.options]
    assert "Cerita" not in texts(sari.send("Cerita terpilih"))


def test_the_policy_twins_agree_for_every_reader_and_story(
    chat: ChatFactory, ctx: AppContext
) -> None:
    """`may_read_story` and `stories_visible_to` give the same answer, selected or not."""
    sari, agus, dewi = chat(SARI), chat(AGUS), chat(DEWI)
    add_person(ctx, Role.KORKAB, "Joko Susilo", JOKO, "Ponorogo")
    add_person(ctx, Role.SUPERVISOR, "Wulan Sari", WULAN, "Trenggalek")
    tell(sari)
    tell(agus)
    review(dewi)
    with ctx.sessions() as session:
        readers = session.scalars(select(Person)).all()
        rows = session.scalars(select(SuccessStory)).all()
        seen_by = {}
        for reader in readers:
            visible = set(
                session.scalars(
                    select(SuccessStory.id).where(access.stories_visible_to(reader))
                ).all()
            )
            assert visible == {s.id for s in rows if access.may_read_story(reader, s)}, reader.name
            seen_by[reader.name] = len(visible)
    assert seen_by == {
        "Bambang Wijaya": 1,
        "Dewi Lestari": 2,
        "Sari Rahayu": 1,
        "Agus Santoso": 1,
        "Rina Wulandari": 0,
        "Hendra Gunawan": 1,
        "Yuni Astuti": 0,
        "Joko Susilo": 0,
        "Wulan Sari": 0,
    }


def test_without_a_supervisor_the_story_is_kept_and_nobody_is_told(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    move_sari_to(ctx, None)
    done = tell(sari, photo=True)
    assert "sudah tersimpan" in done and "supervisor" not in done
    assert dewi.inbox() == []
    [story] = stories(ctx)
    assert story.status == StoryStatus.SUBMITTED and len(story.attachments["items"]) == 1
