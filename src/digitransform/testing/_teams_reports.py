"""Strategies for community digital technology teams and service-centre reports of a tree."""

from __future__ import annotations

import datetime as dt
import string

from hypothesis import strategies as st

from digitransform.domain import AdminLevel, AdminTree, ServiceReport, Team, TeamRole

__all__ = ["service_reports", "teams"]

_FIRST = dt.date(2022, 1, 1)  # Official Letter 793/BTTTT-THH set the teams up in 2022
_LAST = dt.date(2030, 12, 31)
_MAX_COUNT = 100_000


def teams(tree: AdminTree, *, max_members: int = 30) -> st.SearchStrategy[Team]:
    """A team of one of ``tree``'s communes, serving some (possibly none) of that commune's villages.

    ``roles`` accounts for at most ``members`` people; ``last_active`` is ``None`` (never active) or
    on or after ``founded``. Such a team passes :func:`~digitransform.domain.check_team`. For many
    teams with distinct ids use ``st.lists(teams(tree), unique_by=lambda t: t.id)``.
    """
    if not tree.at_level(AdminLevel.COMMUNE):
        raise ValueError(f"teams: the tree under {tree.root.code} has no commune")
    return _teams(tree, max_members)


@st.composite
def _teams(draw: st.DrawFn, tree: AdminTree, max_members: int) -> Team:
    commune = draw(st.sampled_from(tree.at_level(AdminLevel.COMMUNE)))
    villages = [u.code for u in tree.children(commune.code)]
    served = draw(st.lists(st.sampled_from(villages), unique=True)) if villages else []
    members = draw(st.integers(0, max_members))
    roles: dict[TeamRole, int] = {}
    budget = members
    for role in draw(st.lists(st.sampled_from(TeamRole), unique=True)):
        count = draw(st.integers(0, budget))
        roles[role] = count
        budget -= count
    founded = draw(st.dates(_FIRST, _LAST))
    last_active = draw(st.none() | st.dates(founded, _LAST))
    suffix = draw(st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=8))
    return Team(
        id=f"t-{commune.code}-{suffix}",
        commune=commune.code,
        villages=served,
        members=members,
        founded=founded,
        last_active=last_active,
        roles=roles,
    )


@st.composite
def service_reports(draw: st.DrawFn, tree: AdminTree) -> ServiceReport:
    """A centre's report for the province or one of its communes over a day-to-quarter-long span.

    Part counts never exceed their totals (online ≤ received; on time, fully online ≤ resolved).
    """
    unit = draw(st.sampled_from([tree.root, *tree.at_level(AdminLevel.COMMUNE)]))
    start = draw(st.dates(_FIRST, _LAST))
    end = start + dt.timedelta(days=draw(st.integers(0, 91)))
    received = draw(st.integers(0, _MAX_COUNT))
    resolved = draw(st.integers(0, _MAX_COUNT))
    return ServiceReport(
        unit=unit.code,
        period_start=start,
        period_end=end,
        received_total=received,
        received_online=draw(st.integers(0, received)),
        resolved_total=resolved,
        resolved_on_time=draw(st.integers(0, resolved)),
        resolved_fully_online=draw(st.integers(0, resolved)),
        late_pending=draw(st.integers(0, _MAX_COUNT)),
        carried_over=draw(st.integers(0, _MAX_COUNT)),
    )
