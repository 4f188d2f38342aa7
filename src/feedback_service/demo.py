"""Demo tickets: a few hundred plausible difficulties over the past months, worked through the lifecycle.

Everything goes through the service's ticket use cases (:mod:`feedback_service.services.tickets`) with
moments in the past, so the demo database is exactly what real use would have produced: histories,
"me too" occurrences, duplicates rejected, tickets reopened. The mix follows the field: remote and
Khmer-majority communes meet devices, skills, age and language; wards meet accounts, portal faults
and scams. The timing tells a story a newcomer can read off the first screen (see
:func:`load_demo_tickets`). Seeded: the same seed gives the same tickets. No ticket describes a
real person.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

import attrs

from digitransform.demo import plan_demo
from digitransform.domain import (
    Barrier,
    DigitalService,
    ResolutionType,
    TicketAction,
    Transition,
    local_date,
)
from feedback_service.auth.principal import Role
from feedback_service.auth.tokens import issue_token
from feedback_service.context import ServiceContext
from feedback_service.interventions import Intervention, record_intervention
from feedback_service.services import tickets
from feedback_service.store.records import Actor, NewOccurrence, NewTicket, Scope
from feedback_service.store.tokens import ensure_teams

__all__ = ["DEMO_COMMUNES", "DemoLoad", "load_demo_tickets"]

DEMO_COMMUNES = 12
"""Tickets are spread over this many communes (the article's three first), so each has a real backlog."""

K = TypeVar("K")
B = Barrier
_BASIC = {
    B.NO_DEVICE: 9,
    B.DEVICE_COST: 5,
    B.LACK_OF_SKILLS: 9,
    B.AGE_FEAR_LOW_CONFIDENCE: 8,
    B.LOW_LITERACY: 3,
    B.LANGUAGE_ETHNIC_MINORITY: 2,
    B.SERVICE_COST: 3,
    B.POOR_COVERAGE: 4,
    B.NOT_INTERESTED: 2,
    B.DISABILITY: 1,
}
_ADVANCED = {
    B.ACCOUNT_IDENTITY_PROBLEM: 8,
    B.SERVICE_OR_APP_FAULT: 7,
    B.FRAUD_SCAM_FEAR: 5,
    B.PRIVACY_CONCERN: 3,
    B.POOR_COVERAGE: 2,
    B.LACK_OF_SKILLS: 3,
    B.OTHER: 1,
}
_SERVICES = {
    DigitalService.VNEID: 10,
    DigitalService.PUBLIC_SERVICE_PORTAL: 6,
    DigitalService.E_PAYMENT: 5,
    DigitalService.HEALTH_INSURANCE_RECORDS: 3,
    DigitalService.E_COMMERCE: 2,
    DigitalService.SOCIAL_MEDIA: 1,
    DigitalService.OTHER: 1,
}
_PHRASES = {
    B.NO_DEVICE: "Hộ chỉ có điện thoại “cục gạch”, không cài được ứng dụng",
    B.DEVICE_COST: "Gia đình chưa đủ tiền mua điện thoại thông minh",
    B.SERVICE_COST: "Không đủ tiền duy trì gói cước dữ liệu di động",
    B.POOR_COVERAGE: "Sóng 4G yếu ở cuối ấp, không tải được mã OTP",
    B.LACK_OF_SKILLS: "Chưa biết thao tác cài đặt và đăng nhập ứng dụng",
    B.AGE_FEAR_LOW_CONFIDENCE: "Người cao tuổi ngại dùng điện thoại, sợ bấm sai",
    B.FRAUD_SCAM_FEAR: "Lo bị lừa đảo qua tin nhắn nên không dám chuyển khoản",
    B.PRIVACY_CONCERN: "Không muốn cung cấp ảnh chân dung vì sợ lộ thông tin",
    B.DISABILITY: "Thị lực kém, khó đọc chữ nhỏ trên màn hình",
    B.LANGUAGE_ETHNIC_MINORITY: "Đồng bào Khmer, chưa đọc thông thạo tiếng Việt trên ứng dụng",
    B.LOW_LITERACY: "Hạn chế đọc viết, cần hướng dẫn từng bước",
    B.NOT_INTERESTED: "Chưa thấy nhu cầu sử dụng dịch vụ trực tuyến",
    B.ACCOUNT_IDENTITY_PROBLEM: "Tài khoản VNeID bị khóa sau khi nhập sai mật khẩu nhiều lần",
    B.SERVICE_OR_APP_FAULT: "Cổng dịch vụ công báo lỗi khi nộp hồ sơ, chưa rõ thủ tục",
    B.OTHER: "Vướng mắc khác cần xã hỗ trợ",
}
_SERVICE_PHRASES = {
    DigitalService.VNEID: "kích hoạt định danh điện tử mức 2",
    DigitalService.PUBLIC_SERVICE_PORTAL: "nộp hồ sơ trên cổng dịch vụ công",
    DigitalService.E_PAYMENT: "thanh toán bằng mã QR",
    DigitalService.HEALTH_INSURANCE_RECORDS: "tra cứu bảo hiểm y tế, sổ sức khỏe điện tử",
    DigitalService.E_COMMERCE: "bán nông sản trên sàn thương mại điện tử",
    DigitalService.SOCIAL_MEDIA: "dùng mạng xã hội để nhận thông báo của ấp",
    DigitalService.OTHER: "sử dụng dịch vụ số",
}
_RESOLUTIONS = {
    ResolutionType.ON_THE_SPOT: 3,
    ResolutionType.FOLLOW_UP: 5,
    ResolutionType.ESCALATED: 2,
    ResolutionType.SYSTEMIC: 1,
}
_EXTERNAL = ("VNPT", "Viettel", "MobiFone", "Cổng DVC", "Công an xã")


_SPOT_HOURS = (0.25, 6)
"""On the spot: solved while the team is still there, within hours of the report."""
_TO_RESOLVE_DAYS = {
    ResolutionType.FOLLOW_UP: (2, 21),
    ResolutionType.ESCALATED: (18, 70),
    ResolutionType.SYSTEMIC: (30, 120),
}
"""How long each kind of resolution takes, from the report: days to weeks, escalations longer."""
DRIVE_WEEKS_AGO = 6
"""The intervention starts this many weeks before ``now``: a backlog review, training and home visits
in the first communes, after which their backlog is worked down."""
DRIVE_COMMUNES = 3
DRIVE_BARRIERS = (B.LACK_OF_SKILLS, B.AGE_FEAR_LOW_CONFIDENCE, B.NO_DEVICE, B.LOW_LITERACY)
_STALLED_BEFORE = 0.5
"""Before the drive, half the tickets that need work wait with no one acting: the backlog grows."""
_STALLED_AFTER = {True: 0.1, False: 0.4}
"""After it: a tenth in the drive's communes, still 40 % elsewhere (the comparison)."""


@attrs.frozen
class DemoLoad:
    """What the demo loaded."""

    tickets: int
    transitions: int
    occurrences: int
    first: dt.date
    last: dt.date
    intervention_on: dt.date | None = None
    intervention_communes: tuple[str, ...] = ()


def _pick(rng: random.Random, weights: Mapping[K, int]) -> K:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


async def load_demo_tickets(
    ctx: ServiceContext,
    *,
    count: int,
    seed: int,
    now: dt.datetime,
    months: int = 9,
    progress: Callable[[int], None] | None = None,
) -> DemoLoad:
    """Create every demo team, then ``count`` tickets observed over the ``months`` before ``now``.

    The story a newcomer should see: reports rise as teams step up; on-the-spot help is recorded
    within hours, follow-ups take days to weeks, escalations longer; half the tickets that need
    work wait with no one acting, so the backlog grows, until an intervention (recorded, and marked
    on the charts) :data:`DRIVE_WEEKS_AGO` weeks ago in the first :data:`DRIVE_COMMUNES` communes
    works their backlog down, while the other communes go on as before.
    """
    rng = random.Random(f"feedback-demo:{seed}")
    province = plan_demo(ctx.settings.demo_households, ctx.settings.demo_seed)
    wanted = [(team.id, team.commune) for team in province.teams()]
    await ctx.db.write(lambda conn: ensure_teams(conn, wanted, now))
    communes = [c for c in province.communes if c.code in ctx.tree][:DEMO_COMMUNES]
    officials: dict[str, Actor] = {}
    for commune in communes:
        issued = await issue_token(ctx.db, ctx.tree, Role.OFFICIAL, scope=commune.code, label="demo", now=now)
        officials[commune.code] = issued.principal.actor
    start = now - dt.timedelta(days=30 * months)
    drive = max(start + dt.timedelta(days=14), now - dt.timedelta(weeks=DRIVE_WEEKS_AGO))
    drive_communes = tuple(c.code for c in communes[:DRIVE_COMMUNES])
    if count:
        await _record_drive(ctx, drive, drive_communes, now)
    span = (now - start).total_seconds()
    created: list[tuple[str, str]] = []  # (ticket id, village) for duplicates
    transitions = occurrences = 0
    weights = [len(c.villages) * (1.6 - c.maturity) for c in communes]
    for n in range(count):
        commune = rng.choices(communes, weights=weights)[0]
        village = rng.choice(commune.villages)
        # More reports lately: teams stepped up (and the backlog grows if nothing changes).
        observed = start + dt.timedelta(seconds=span * rng.random() ** 0.8)
        observed = observed.replace(hour=rng.randint(1, 10), minute=rng.randrange(60))  # 08:00–17:59 local
        if observed > now:
            observed = now - dt.timedelta(hours=1)
        categories = _categories(rng, commune.maturity)
        service = _pick(rng, _SERVICES)
        consent = rng.random() < 0.85
        actor = Actor(f"demo-{village.code}", Role.TEAM.value, f"T-{village.code}")
        ticket = NewTicket(
            id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            team=f"T-{village.code}",
            commune=commune.code,
            village=village.code,
            categories=categories,
            service=service,
            description=_description(rng, categories, service),
            people_affected=rng.choices([1, 2, 3, 4, 6, 12], weights=[50, 25, 12, 6, 4, 3])[0],
            household_ref=f"hh-{rng.randrange(1, 1300):04d}" if consent else None,
            consent=consent,
            observed_at=observed,
        )
        # Most reports reach the service within the hour; a phone offline in the fields, days later.
        received = min(now, observed + dt.timedelta(hours=rng.choice([0.1, 0.3, 1, 1, 4, 30, 72])))
        await tickets.create(ctx.db, ticket, actor, received)
        in_drive = commune.code in drive_communes
        plan = _plan(rng, ticket, received, now, drive if in_drive else None, drive, created)
        done_t, done_o = await _work(ctx, rng, ticket, received, now, officials[commune.code], plan)
        transitions += done_t
        occurrences += done_o
        created.append((ticket.id, village.code))
        if progress is not None:
            progress(n + 1)
    return DemoLoad(count, transitions, occurrences, start.date(), now.date(), drive.date(), drive_communes)


async def _record_drive(
    ctx: ServiceContext, on: dt.datetime, communes: tuple[str, ...], now: dt.datetime
) -> None:
    day = local_date(on)
    await record_intervention(
        ctx.db,
        Intervention(
            id=str(uuid.UUID(int=random.Random(f"drive:{day}").getrandbits(128), version=4)),
            what="Rà soát tồn đọng, tập huấn kỹ năng số và hỗ trợ tại nhà cho người cao tuổi",
            units=communes,
            categories=DRIVE_BARRIERS,
            started_on=day,
            ended_on=day + dt.timedelta(weeks=4),
            scope=ctx.tree.root.code,
            created_by="demo",
            created_at=now,
        ),
    )


def _categories(rng: random.Random, maturity: float) -> frozenset[Barrier]:
    table = _ADVANCED if rng.random() < maturity else _BASIC
    chosen = {_pick(rng, table)}
    if rng.random() < 0.3:
        chosen.add(_pick(rng, _BASIC))
    return frozenset(chosen)


def _description(rng: random.Random, categories: frozenset[Barrier], service: DigitalService) -> str:
    parts = [_PHRASES[c] for c in sorted(categories, key=lambda c: c.value)]
    return f"{'; '.join(parts)}. Cần hỗ trợ {_SERVICE_PHRASES[service]}."


def _plan(
    rng: random.Random,
    ticket: NewTicket,
    received: dt.datetime,
    now: dt.datetime,
    drive: dt.datetime | None,
    drive_start: dt.datetime,
    earlier: Sequence[tuple[str, str]],
) -> list[tuple[dt.datetime, Transition]]:
    """The officials' actions on one ticket, each at its moment (those after ``now`` are left out).

    ``drive`` is when the intervention starts if this ticket is one it works on, else ``None``.
    """
    hours = dt.timedelta(hours=1)
    days = dt.timedelta(days=1)
    fate = rng.random()
    if fate < 0.05:  # a duplicate, or not the teams' to solve: rejected within a week
        at = received + days * rng.uniform(0.5, 7)
        same_village = [tid for tid, v in earlier if v == ticket.village]
        if same_village and rng.random() < 0.6:
            step = Transition(
                TicketAction.REJECT, duplicate_of=rng.choice(same_village), reason="Trùng phiếu"
            )
        else:
            step = Transition(TicketAction.REJECT, reason="Không thuộc phạm vi hỗ trợ của tổ")
        return [(at, step)] if at <= now else []
    resolution = _pick(rng, _RESOLUTIONS)
    if resolution is ResolutionType.ON_THE_SPOT:
        at = received + hours * rng.uniform(*_SPOT_HOURS)
        step = Transition(TicketAction.RESOLVE, resolution=resolution, note="Tổ đã hướng dẫn ngay tại nhà")
        return [(at, step)] if at <= now else []
    low, high = _TO_RESOLVE_DAYS[resolution]
    acknowledged = received + hours * rng.uniform(2, 40)
    started = acknowledged + days * rng.uniform(0.5, 4)
    resolved = received + days * rng.uniform(low, high)
    after_drive = received >= drive_start
    stalled = rng.random() < (_STALLED_AFTER[drive is not None] if after_drive else _STALLED_BEFORE)
    if stalled and drive is not None:  # the drive works its backlog down over its first weeks
        resolved = max(resolved, drive + days * rng.uniform(1, 35))
        started = max(started, resolved - days * rng.uniform(0.5, 3))
    elif stalled:  # no one acts for months
        resolved = received + days * rng.uniform(90, 240)
        started = resolved - days * rng.uniform(1, 5)
    started = max(started, acknowledged + hours)
    resolved = max(resolved, started + hours * rng.uniform(2, 48))
    external = None
    if resolution is ResolutionType.ESCALATED:
        external = f"{rng.choice(_EXTERNAL)}-{rng.randrange(100, 9999)}"
    steps = []
    if not stalled or rng.random() < 0.5:
        steps.append((acknowledged, Transition(TicketAction.ACKNOWLEDGE)))
    if rng.random() < 0.7 or external:
        note = "Đã chuyển hồ sơ lên đơn vị cung cấp dịch vụ" if external else "Tổ sẽ quay lại hỗ trợ tại nhà"
        steps.append((started, Transition(TicketAction.START, external_ref=external, note=note)))
    steps.append((resolved, Transition(TicketAction.RESOLVE, resolution=resolution)))
    if rng.random() < 0.05:
        reopened = resolved + days * rng.uniform(2, 20)
        steps.append((reopened, Transition(TicketAction.REOPEN, note="Người dân báo vẫn chưa dùng được")))
        again = Transition(TicketAction.RESOLVE, resolution=ResolutionType.FOLLOW_UP)
        steps.append((reopened + days * rng.uniform(2, 10), again))
    return [(at, step) for at, step in steps if at <= now]


async def _work(
    ctx: ServiceContext,
    rng: random.Random,
    ticket: NewTicket,
    received: dt.datetime,
    now: dt.datetime,
    official: Actor,
    plan: Sequence[tuple[dt.datetime, Transition]],
) -> tuple[int, int]:
    """Apply ``plan`` and a few "me too" occurrences while the ticket waits, each at its moment."""
    scope = Scope.everything()
    version = 1
    until = plan[-1][0] if plan and plan[-1][1].action is not TicketAction.REOPEN else now
    occurrences = 0
    if (until - received).days > 3 and rng.random() < 0.2:
        occurrences = rng.randint(1, 3)
    events: list[tuple[dt.datetime, Transition | None]] = [*plan]
    events += [(received + (until - received) * rng.uniform(0.1, 0.9), None) for _ in range(occurrences)]
    events.sort(key=lambda e: e[0])
    team = Actor(f"demo-{ticket.village}", Role.TEAM.value, ticket.team)
    done = 0
    for moment, step in events:
        if step is not None:
            stored = await tickets.transition(
                ctx.db, scope, ticket.id, step, expected_version=version, actor=official, now=moment
            )
            done += 1
        else:
            occurrence = NewOccurrence(
                id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                ticket_id=ticket.id,
                team=ticket.team,
                household_ref=f"hh-{rng.randrange(1, 1300):04d}",
                people_affected=rng.choice([1, 1, 2, 3]),
                observed_at=moment - dt.timedelta(hours=rng.randint(0, 48)),
            )
            _, stored, _ = await tickets.add_occurrence(
                ctx.db, Scope(team=ticket.team), occurrence, team, moment
            )
        version = stored.version
    return done, occurrences
