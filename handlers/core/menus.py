"""The main menu of each role: an item starts a flow, runs an action, or is not built yet."""

from __future__ import annotations

from dataclasses import dataclass

from conversations.catalog import Catalog
from conversations.messages import Option
from handlers.core.identity import PUBLIC
from storage.models import Role


@dataclass(frozen=True)
class MenuItem:
    value: str
    label_key: str
    flow: str | None = None
    action: str | None = None


COORDINATOR_MENU = (
    MenuItem("pengaduan", "menu.complaints_list", flow="complaint_list"),
    MenuItem("kasus", "menu.cases", action="cases_list"),
    MenuItem("p2k2", "menu.p2k2_coverage", action="p2k2_coverage"),
    MenuItem("ringkasan", "menu.district_figures", action="district_figures"),
    MenuItem("cerita", "success_story.menu_selected", action="stories_selected"),
)

MENUS: dict[str, tuple[MenuItem, ...]] = {
    Role.PENDAMPING: (
        MenuItem("konsultasi", "menu.consultation", flow="consultation"),
        MenuItem("kasus", "menu.case_update", flow="case_update"),
        MenuItem("p2k2", "menu.p2k2_report", flow="p2k2_report"),
        MenuItem("rencana_p2k2", "p2k2_sup.menu.plan", action="p2k2_plans"),
        MenuItem("jadwal", "menu.schedule", action="schedule"),
        MenuItem("pengaduan", "menu.complaint", flow="complaint"),
        MenuItem("konsultasi_saya", "menu.my_consultations", action="my_consultations"),
        MenuItem("cerita", "success_story.menu", flow="success_story"),
        MenuItem("kasus_saya", "menu.my_cases", action="my_cases"),
    ),
    Role.SUPERVISOR: (
        MenuItem("konsultasi_masuk", "menu.open_consultations", action="open_consultations"),
        MenuItem("kasus", "menu.cases", action="cases_list"),
        MenuItem("p2k2", "menu.p2k2_coverage", action="p2k2_supervision"),
        MenuItem("jadwal", "menu.schedule", action="schedule"),
        MenuItem("pengaduan", "menu.complaints_list", flow="complaint_list"),
        MenuItem("agenda", "menu.agenda", action="agenda"),
        MenuItem("pengaturan", "menu.settings", action="settings"),
        MenuItem("cerita", "success_story.menu", action="stories_waiting"),
    ),
    Role.KORKAB: COORDINATOR_MENU,
    Role.KORWIL: COORDINATOR_MENU,  # the same views, scoped to the province by the policy
    Role.ADMIN: (
        MenuItem("pengaduan", "menu.complaints_list", flow="complaint_list"),
        MenuItem("petugas", "menu.roster"),
    ),
    PUBLIC: (
        MenuItem("pengaduan", "menu.new_complaint", flow="complaint"),
        MenuItem("status", "menu.check_status", flow="complaint_status"),
        MenuItem("data", "menu.my_data", action="my_data"),
    ),
}


def menu_options(role: str, t: Catalog) -> tuple[Option, ...]:
    return tuple(Option(item.value, t(item.label_key)) for item in MENUS[role])


def menu_item(role: str, value: str) -> MenuItem | None:
    return next((item for item in MENUS[role] if item.value == value), None)
