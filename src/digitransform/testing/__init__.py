"""Public Hypothesis strategies for the digitransform domain, for projects that import the library.

Every strategy here builds values that are valid by construction: a tree that validates, households
that live in the tree's villages, teams that serve villages of their own commune, ticket histories
that only take transitions the lifecycle allows. A second family makes input invalid on purpose and
says what is wrong, so a reader or a service can be tested for the error it must give::

    from hypothesis import given
    from digitransform.testing import admin_trees, households_in

    @given(admin_trees().flatmap(lambda tree: households_in(tree).map(lambda h: (tree, h))))
    def test_household_lives_in_a_village(case):
        tree, household = case
        assert tree.commune_of(household.village)

Needs Hypothesis (``pip install 'digitransform[test]'``); importing this package without it fails
with an ImportError that says so. Nothing else of the library imports this package.
"""

from __future__ import annotations

try:
    import hypothesis  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without Hypothesis installed
    raise ImportError(
        "digitransform.testing needs Hypothesis; install it with "
        "`pip install 'digitransform[test]'` or `pip install hypothesis`"
    ) from exc

from digitransform.testing._corruptions import (
    TREE_PROBLEM_KINDS,
    corrupted_unit_lists,
    invalid_household_dicts,
    multiply_corrupted_unit_lists,
)
from digitransform.testing._households import (
    household_dict,
    household_dicts,
    household_ids,
    households,
    households_in,
    residents,
)
from digitransform.testing._invalid_records import (
    SERVICE_REPORT_PROBLEM_KINDS,
    SERVICE_REPORT_TREE_PROBLEM_KINDS,
    TEAM_PROBLEM_KINDS,
    TEAM_TREE_PROBLEM_KINDS,
    invalid_service_report_dicts,
    invalid_team_dicts,
)
from digitransform.testing._invalid_tickets import TICKET_HISTORY_PROBLEMS, invalid_ticket_histories
from digitransform.testing._teams_reports import service_reports, teams
from digitransform.testing._tickets import ticket_histories, ticket_ids, tickets, transitions
from digitransform.testing._time import ZONES, local_midnights, moments, periods
from digitransform.testing._units import (
    admin_tree_units,
    admin_trees,
    admin_units,
    unit_codes,
    vietnamese_names,
)

__all__ = [
    "SERVICE_REPORT_PROBLEM_KINDS",
    "SERVICE_REPORT_TREE_PROBLEM_KINDS",
    "TEAM_PROBLEM_KINDS",
    "TEAM_TREE_PROBLEM_KINDS",
    "TICKET_HISTORY_PROBLEMS",
    "TREE_PROBLEM_KINDS",
    "ZONES",
    "admin_tree_units",
    "admin_trees",
    "admin_units",
    "corrupted_unit_lists",
    "household_dict",
    "household_dicts",
    "household_ids",
    "households",
    "households_in",
    "invalid_household_dicts",
    "invalid_service_report_dicts",
    "invalid_team_dicts",
    "invalid_ticket_histories",
    "local_midnights",
    "moments",
    "multiply_corrupted_unit_lists",
    "periods",
    "residents",
    "service_reports",
    "teams",
    "ticket_histories",
    "ticket_ids",
    "tickets",
    "transitions",
    "unit_codes",
    "vietnamese_names",
]
