"""Database models of the work plan (工作方案): plan, phases and milestones, tasks and their units,
progress reports, dispatch meetings with decisions and follow-up actions, the materials checklist,
verification points, the public survey and the public supervision channel.

Tables are prefixed ``wp_``. Dates a person plans with (due, held on, reported on) are
:class:`~datetime.date`; moments something happened are timezone-aware datetimes. Public
submissions (survey answers, supervision reports) keep no personal data: a survey answer keeps only
the sha256 of its device/session token, a supervision report only the sha256 of its receipt code,
and the rate limiter only a keyed hash of the client address, deleted when its window has passed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from liangshan.store.models import Base


class WpPlan(Base):
    """The work plan of a region (one per region): title, document number and the organisation."""

    __tablename__ = "wp_plan"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    doc_number: Mapped[str] = mapped_column(String(50), default="")
    issued_on: Mapped[date | None] = mapped_column(Date, default=None)
    issuer: Mapped[str] = mapped_column(String(200), default="")
    organisation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    phase_note: Mapped[str] = mapped_column(Text, default="")
    source_sha256: Mapped[str] = mapped_column(String(64), default="")
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WpUnitContact(Base):
    """A member unit's 主管领导 or 联络员 (四、(一): 各成员单位选派1名主管领导和联络员)."""

    __tablename__ = "wp_unit_contact"
    __table_args__ = (UniqueConstraint("unit_id", "role"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # 主管领导 | 联络员
    name: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WpPhase(Base):
    """A phase of 三、实施步骤 (动员部署 / 创建实施 / 申报迎查)."""

    __tablename__ = "wp_phase"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(50))
    text: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")


class WpMilestone(Base):
    """A step of a phase with its owner unit, due date, status and evidence (tracked item)."""

    __tablename__ = "wp_milestone"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    phase_id: Mapped[int] = mapped_column(ForeignKey("wp_phase.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    owner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), default=None)
    due: Mapped[date | None] = mapped_column(Date, default=None)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | done | cancelled
    done_on: Mapped[date | None] = mapped_column(Date, default=None)
    note: Mapped[str] = mapped_column(Text, default="")


class WpTask(Base):
    """A main task (四、主要任务 (一)–(七)), a sub-task (1., 2., …) or a safeguard (五、保障措施)."""

    __tablename__ = "wp_task"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("wp_task.id"), default=None)
    kind: Mapped[str] = mapped_column(String(20), default="task")  # task | safeguard
    seq: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    indicators: Mapped[list[int]] = mapped_column(JSON, default=list)


class WpTaskUnit(Base):
    """A responsible unit of a task: the lead (牵头) or a cooperating (配合) unit, in seed order.

    ``source_name`` is the name as the plan writes it (“各乡镇” expands to every township).
    """

    __tablename__ = "wp_task_unit"
    __table_args__ = (UniqueConstraint("task_id", "unit_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("wp_task.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # lead | cooperating
    seq: Mapped[int] = mapped_column(Integer)
    source_name: Mapped[str] = mapped_column(String(100))


class WpProgress(Base):
    """A progress report of a unit on a task (date, text, percent), with the office's comment."""

    __tablename__ = "wp_progress"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("wp_task.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    reported_on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    percent: Mapped[float] = mapped_column(Float)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    comment: Mapped[str] = mapped_column(Text, default="")
    commented_by: Mapped[str | None] = mapped_column(String(64), default=None)
    commented_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class WpMeeting(Base):
    """A dispatch meeting (调度会议) of the office (五、(一) 定期召开调度会议)."""

    __tablename__ = "wp_meeting"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200), default="")
    chair: Mapped[str] = mapped_column(String(100), default="")
    attendees: Mapped[list[str]] = mapped_column(JSON, default=list)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WpDecision(Base):
    """A decision (议定事项) recorded at a meeting."""

    __tablename__ = "wp_decision"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("wp_meeting.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)


class WpAction(Base):
    """A follow-up action (督办事项) with an owner unit and a due date — a tracked item."""

    __tablename__ = "wp_action"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("wp_meeting.id"), default=None, index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("wp_decision.id"), default=None)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("wp_task.id"), default=None)
    title: Mapped[str] = mapped_column(Text)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    due: Mapped[date | None] = mapped_column(Date, default=None)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | done | cancelled
    done_on: Mapped[date | None] = mapped_column(Date, default=None)
    result: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WpChecklistItem(Base):
    """An item of the materials checklist (资料清单 / 申报材料 / 现场核查) — a tracked item with files."""

    __tablename__ = "wp_checklist_item"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    category: Mapped[str] = mapped_column(String(20))
    seq: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    indicator_id: Mapped[int | None] = mapped_column(Integer, default=None)
    owner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), default=None)
    due: Mapped[date | None] = mapped_column(Date, default=None)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | done | cancelled
    done_on: Mapped[date | None] = mapped_column(Date, default=None)
    source: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")


class WpAttachment(Base):
    """An evidence file attached to a work-plan record (milestone, progress, checklist, report)."""

    __tablename__ = "wp_attachment"
    __table_args__ = (UniqueConstraint("entity", "entity_id", "evidence_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity: Mapped[str] = mapped_column(String(20))  # milestone | progress | checklist | report
    entity_id: Mapped[int] = mapped_column(Integer, index=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"))


class WpPoint(Base):
    """An on-site verification point (现场核查点位) with coordinates (WGS 84), owner and talking points."""

    __tablename__ = "wp_point"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # 监测站点 | 修复矿山 | 产业园区 | 景区 | 村庄 | 其他
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    owner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), default=None)
    talking_points: Mapped[str] = mapped_column(Text, default="")
    dwell_minutes: Mapped[float] = mapped_column(Float, default=20.0)
    indicators: Mapped[list[int]] = mapped_column(JSON, default=list)
    is_start: Mapped[bool] = mapped_column(Boolean, default=False)


class WpSurvey(Base):
    """A public satisfaction survey (indicator 17) of a region for a year; open or closed."""

    __tablename__ = "wp_survey"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | closed
    townships: Mapped[list[str]] = mapped_column(JSON, default=list)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    created_by: Mapped[str] = mapped_column(String(64))


class WpSurveyResponse(Base):
    """One anonymous answer. ``token_sha256``: hash of the device/session token (one answer each)."""

    __tablename__ = "wp_survey_response"
    __table_args__ = (UniqueConstraint("survey_id", "token_sha256"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("wp_survey.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64))
    answer: Mapped[str] = mapped_column(String(10))  # 很满意 | 满意 | 基本满意 | 不太满意 | 不满意
    township: Mapped[str] = mapped_column(String(50))
    urban_rural: Mapped[str] = mapped_column(String(10))  # 城镇 | 农村
    submitted_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WpSurveyCode(Base):
    """A one-time invitation code of a survey (printed on a sheet the office hands out); only its
    sha256 is kept. An answer with an unused code is not subject to the per-address rate limit."""

    __tablename__ = "wp_survey_code"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("wp_survey.id"), index=True)
    code_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class WpReport(Base):
    """A public supervision report (五、(三) 监督权): location, text, photos; routed to a unit.

    Only the sha256 of the receipt code is stored; nothing identifies the reporter.
    """

    __tablename__ = "wp_report"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    receipt_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    category: Mapped[str] = mapped_column(String(20))  # 生态破坏 | 环境污染 | 其他
    location: Mapped[str] = mapped_column(String(200))
    lon: Mapped[float | None] = mapped_column(Float, default=None)
    lat: Mapped[float | None] = mapped_column(Float, default=None)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="received")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), default=None, index=True)
    routed_on: Mapped[date | None] = mapped_column(Date, default=None)
    created_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WpReportEvent(Base):
    """A status change of a supervision report; ``public_note`` is shown to the receipt holder."""

    __tablename__ = "wp_report_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("wp_report.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20))
    public_note: Mapped[str] = mapped_column(Text, default="")
    internal_note: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(64))


class WpRateEvent(Base):
    """One public write for rate limiting: a keyed hash of the client address, deleted after its window."""

    __tablename__ = "wp_rate_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(40), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class WpSetting(Base):
    """Per-region settings of the work plan (the public page's choices) and instance secrets."""

    __tablename__ = "wp_setting"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_by: Mapped[str] = mapped_column(String(64), default="system")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WpCommitment(Base):
    """A quantified commitment of a task (四、主要任务: 达标率达100%, 稳定3亿棒, 国家园林县城 …).

    ``years`` maps each year of the plan (as text) to its target (number, true, or None: no target that
    year); ``element`` links a 两山指数 data element or ``indicator:N`` whose approved value is the actual.
    """

    __tablename__ = "wp_commitment"
    __table_args__ = (UniqueConstraint("region_code", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("wp_task.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20))  # 计量单位
    comparator: Mapped[str] = mapped_column(String(4))  # >= | <= | == | bool
    target_num: Mapped[float | None] = mapped_column(Float, default=None)
    target_bool: Mapped[bool | None] = mapped_column(Boolean, default=None)
    years: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    basis: Mapped[str] = mapped_column(Text, default="")
    lead_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    lead_name: Mapped[str] = mapped_column(String(100))
    evidence: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    element: Mapped[str] = mapped_column(String(64), default="")


class WpCommitmentValue(Base):
    """One version of a commitment's actual value for a year, reported by its lead unit. Append-only:
    a change is a new version; the office approves or returns the newest (like a submission)."""

    __tablename__ = "wp_commitment_value"
    __table_args__ = (UniqueConstraint("commitment_id", "year", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("wp_commitment.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    value_num: Mapped[float | None] = mapped_column(Float, default=None)
    value_bool: Mapped[bool | None] = mapped_column(Boolean, default=None)
    evidence: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    status: Mapped[str] = mapped_column(
        String(20), default="submitted"
    )  # submitted|approved|returned|superseded
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reviewed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    review_note: Mapped[str] = mapped_column(Text, default="")
