"""The domain's vocabulary, defined once: roles, the statuses of every record, and the codes the
dialogs offer (categories, topics, stages, P2K2 modules, slot kinds). Storage, handlers and
dialogs all import it; the dialogs never define what the domain means.

Values are stored in the database and shown through the catalogs (`status.baru`, ...), so a
value never changes once released; a member may be renamed freely.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum


class Role(StrEnum):
    PENDAMPING = "pendamping"
    SUPERVISOR = "supervisor"
    KORKAB = "korkab"  # district (kabupaten) coordinator
    KORWIL = "korwil"  # provincial coordinator
    ADMIN = "admin"  # with no kabupaten: the complaint desk


# Anyone not on the roster: the complaint menu, never staff functions.
PUBLIC = "public"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class ConsultationStatus(StrEnum):
    WAITING = "menunggu"  # the supervisor is to answer
    PROPOSED = "diusulkan"  # the supervisor proposed a time; the pendamping is to answer
    AGREED = "disepakati"
    DECLINED = "ditolak"
    CLOSED = "selesai"


OPEN_CONSULTATIONS = (
    ConsultationStatus.WAITING,
    ConsultationStatus.PROPOSED,
    ConsultationStatus.AGREED,
)


class Urgency(StrEnum):
    URGENT = "mendesak"
    NORMAL = "biasa"


class ConsultationTopic(StrEnum):
    P2K2 = "p2k2"
    CASE_MANAGEMENT = "manajemen_kasus"
    COMPLAINT = "pengaduan"
    PERSONAL_SUPPORT = "dukungan_personal"  # workload, stress, conflict: confidential
    OTHER = "lainnya"


# Topics whose words stay between the pendamping and their supervisor (see access).
CONFIDENTIAL_TOPICS = (ConsultationTopic.PERSONAL_SUPPORT,)


class ContactMode(StrEnum):
    PHONE = "telepon"
    CHAT = "chat"
    VIDEO = "video"
    IN_PERSON = "tatap_muka"


class ComplaintStatus(StrEnum):
    NEW = "baru"
    ACCEPTED = "diterima"
    IN_PROGRESS = "diproses"
    RESOLVED = "selesai"
    REJECTED = "ditolak"
    REFERRED = "dirujuk"


OPEN_COMPLAINTS = (ComplaintStatus.NEW, ComplaintStatus.ACCEPTED, ComplaintStatus.IN_PROGRESS)
CLOSED_COMPLAINTS = (
    ComplaintStatus.RESOLVED,
    ComplaintStatus.REJECTED,
    ComplaintStatus.REFERRED,
)


class ComplaintCategory(StrEnum):
    NOT_RECEIVED = "bantuan_tidak_diterima"
    CARD_PROBLEM = "kks_bermasalah"
    FORGOT_PIN = "lupa_pin"
    WRONG_DATA = "data_tidak_sesuai"
    NOT_REGISTERED = "tidak_terdaftar"
    PENDAMPING_CONDUCT = "perilaku_pendamping"
    P2K2 = "p2k2"
    OTHER = "layanan_lain"


class CaseStatus(StrEnum):
    ACTIVE = "aktif"
    CLOSED = "ditutup"


class ClosureOutcome(StrEnum):
    """How a case ended (terminasi), proposed by the pendamping and agreed by the supervisor.
    Graduasi mandiri is the measure of success the seeds name (seed 003)."""

    SELF_GRADUATION = "graduasi_mandiri"
    NATURAL_GRADUATION = "graduasi_alamiah"
    REFERRED = "dirujuk"
    MOVED = "pindah"
    OTHER = "lainnya"


class ReferralService(StrEnum):
    """Complementary services a KPM can be referred to."""

    EDUCATION = "pendidikan"
    HEALTH = "kesehatan"
    DISABILITY = "disabilitas"
    ELDERLY = "lanjut_usia"
    CHILD_PROTECTION = "perlindungan_anak"
    ECONOMIC = "pemberdayaan_ekonomi"
    OTHER = "lainnya"


class ReferralStatus(StrEnum):
    REFERRED = "dirujuk"
    ACCEPTED = "diterima"
    COMPLETED = "selesai"
    REFUSED = "ditolak"


OPEN_REFERRAL_STATUSES = (ReferralStatus.REFERRED, ReferralStatus.ACCEPTED)
# An open referral with no news for this long: the pendamping is reminded once.
QUIET_REFERRAL_AFTER = timedelta(days=14)


class AssessmentTool(StrEnum):
    """Assessment tools a supervisor's advice can name (seed 004)."""

    GENOGRAM = "genogram"
    ECOMAP = "ekomap"
    HISTORY_MAP = "peta_riwayat"
    BODY_MAP = "peta_tubuh"


class ConferenceStatus(StrEnum):
    """A complaint's case conference (konferensi kasus) with the korkab."""

    SCHEDULED = "terjadwal"
    HELD = "terlaksana"
    CANCELLED = "dibatalkan"


class MediationOutcome(StrEnum):
    AGREED = "sepakat"
    PARTLY_AGREED = "sepakat_sebagian"
    NOT_AGREED = "tidak_sepakat"


class FieldVisitStatus(StrEnum):
    """A joint field visit: the supervisor joins a pendamping's P2K2 session."""

    SCHEDULED = "terjadwal"
    HELD = "terlaksana"
    NOT_HELD = "tidak_terlaksana"
    CANCELLED = "dibatalkan"


class StoryStatus(StrEnum):
    """A success story (most significant change) as the supervisor's review leaves it."""

    SUBMITTED = "diajukan"
    REVIEWED = "ditinjau"
    SELECTED = "terpilih"


class CaseType(StrEnum):
    EDUCATION = "pendidikan"
    HEALTH_NUTRITION = "kesehatan_gizi"
    CHILD_PROTECTION = "perlindungan_anak"
    DISABILITY = "disabilitas"
    ELDERLY = "lanjut_usia"
    ECONOMIC = "ekonomi"
    ADMINISTRATION = "administrasi"
    OTHER = "lainnya"


class CaseStage(StrEnum):
    """The stages of case management (seed 004, A-F)."""

    INTAKE = "intake"
    ASSESSMENT = "asesmen"
    INTERVENTION_PLAN = "rencana_intervensi"
    INTERVENTION = "intervensi"
    EVALUATION = "evaluasi"
    TERMINATION = "terminasi"
    REFERRAL = "rujukan"


CLOSING_STAGES = (CaseStage.TERMINATION,)
# A case with no update for this long is quiet: flagged once, counted in the Monday digest.
STALE_CASE_AFTER = timedelta(days=14)


class P2K2Module(StrEnum):
    PARENTING = "pengasuhan"
    FINANCE = "keuangan"
    HEALTH = "kesehatan"
    CHILD_PROTECTION = "perlindungan_anak"
    SOCIAL_WELFARE = "kesejahteraan_sosial"


# The 14 sessions of a P2K2 cycle, by module.
P2K2_SESSIONS: dict[P2K2Module, tuple[int, ...]] = {
    P2K2Module.PARENTING: (1, 2, 3, 4),
    P2K2Module.FINANCE: (5, 6, 7),
    P2K2Module.HEALTH: (8, 9, 10),
    P2K2Module.CHILD_PROTECTION: (11, 12),
    P2K2Module.SOCIAL_WELFARE: (13, 14),
}
ALL_P2K2_SESSIONS = tuple(n for sessions in P2K2_SESSIONS.values() for n in sessions)


class SlotKind(StrEnum):
    INDIVIDUAL = "individual"
    GROUP = "kelompok"
    TEAM = "tim"


class SupervisionFunction(StrEnum):
    """The three functions of supervision (seed 000)."""

    ADMINISTRATIVE = "administrasi"
    EDUCATIONAL = "pendidikan"
    SUPPORTIVE = "dukungan_personal"


class AgreementStatus(StrEnum):
    PROPOSED = "diusulkan"
    ACTIVE = "aktif"
    PAUSED = "dijeda"
    ENDED = "berakhir"


class ParticipantStatus(StrEnum):
    INVITED = "diundang"
    AGREED = "setuju"
    DECLINED = "menolak"
    COUNTERED = "usul"


class SessionStatus(StrEnum):
    SCHEDULED = "terjadwal"
    SKIPPED = "dilewati"
    HELD = "terlaksana"
    NOT_HELD = "tidak_terlaksana"
    CANCELLED = "dibatalkan"


class ScheduledStatus(StrEnum):
    """A due message (reminder, record request, digest) as the tick leaves it."""

    WAITING = "menunggu"
    SENT = "terkirim"
    PASSED = "lewat"  # its moment passed: not sent late
    DROPPED = "dibatalkan"


class ScheduledKind(StrEnum):
    """What a due message is: its kind decides how the tick builds it."""

    DAY_BEFORE = "day_before"  # a session reminder, 16:00 local the day before
    SOON = "soon"  # a session reminder, an hour before
    RECORD = "record"  # the supervisor is asked to record a session that ended
    RECORD_OVERDUE = "record_overdue"  # ...and flagged 48 hours later
    DIGEST = "digest"  # the supervisor's Monday digest
    FOLLOWUP = "followup"  # a follow-up agreed in a session record
    CASE_DIGEST = "case_digest"  # the supervisor's daily digest of case updates
    CONSULT_SOON = "consult_soon"  # an agreed consultation starts within the hour
    MONTHLY_NOTICE = "monthly_notice"  # "last month's report is ready" (a sent marker only)
    CONFERENCE = "conference"  # a complaint's case conference is near
    FIELD_VISIT = "field_visit"  # a joint field visit to a P2K2 session is near
    CASE_FOLLOWUP = "case_followup"  # a closed case's follow-up (pembinaan lanjut) is due
    P2K2_DIGEST = "p2k2_digest"  # the supervisor's daily digest of P2K2 reports


# Statuses of records: a test checks that no module but this one spells them out.
STATUS_ENUMS: tuple[type[StrEnum], ...] = (
    OutboxStatus,
    ConsultationStatus,
    ComplaintStatus,
    CaseStatus,
    ReferralStatus,
    ConferenceStatus,
    FieldVisitStatus,
    StoryStatus,
    AgreementStatus,
    ParticipantStatus,
    SessionStatus,
    ScheduledStatus,
)
