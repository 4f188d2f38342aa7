"""The catalogue: every indicator of the domain brief, with exactly its code (stable public API).

Targets keep the operator and the year as the source document states them: Decision 411/QĐ-TTg
(2022, national digital economy and society strategy), Decision 942/QĐ-TTg (2025, online public
services), HCMC Plan 31 (2026), ITU's universal connectivity goal, Official Letter 793/BTTTT-THH
(2022, one community digital technology team per village) and the province's own "digital core"
goal. Figures from the An Giang article that are not targets are kept as ``reference``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from digitransform.domain import AdminLevel, InternetAccess, Label
from digitransform.indicators.conditions import (
    All,
    AnyMember,
    Choose,
    Compare,
    Condition,
    Flag,
    Not,
    Param,
)
from digitransform.indicators.definitions import (
    Direction,
    HouseholdShare,
    IndicatorDefinition,
    Kind,
    Operator,
    Parameter,
    PersonShare,
    ReportRatio,
    ReportSum,
    Target,
    TeamMembersPerHouseholds,
    TeamVillageCoverage,
    TicketResolution,
    UnitOfAnalysis,
)

__all__ = [
    "CATALOGUE",
    "DEFAULT_REPORT",
    "ON_TIME_LATE_INCLUSIVE",
    "ON_TIME_RESOLVED",
    "get",
]

_D411 = "Decision 411/QĐ-TTg (2022), national digital economy and society strategy"
_D942 = "Decision 942/QĐ-TTg (2025), online public services"

_ADULT_AGE = Parameter("adult_age", 18, "age from which a resident is an adult")
_MIN_AGE = Parameter("min_age", 15, "youngest age in the population")


def _age_at_least(parameter: str) -> Condition:
    return Compare("age", ">=", Param(parameter))


_SMARTPHONE = Flag("smartphone")

_DIGITAL_CORE = All(
    Compare("age", ">=", Param("core_min_age")),
    Choose(
        "core_rule",
        {
            "smartphone_and_skills": All(_SMARTPHONE, Flag("digital_skills")),
            "smartphone": _SMARTPHONE,
            "skills": Flag("digital_skills"),
        },
    ),
)

_VNEID_ELIGIBLE: Choose[Condition] = Choose(
    "eligibility",
    {
        "chip_card_14": All(Compare("age", ">=", 14), Flag("id_card")),
        "all_14": Compare("age", ">=", 14),
        "all_6": Compare("age", ">=", 6),
    },
)

_LATE_INCLUSIVE_NUMERATOR = ReportSum(
    {
        "received_total": 1,
        "carried_over": 1,
        "late_pending": -1,
        "resolved_total": -1,
        "resolved_on_time": 1,
    }
)
_LATE_INCLUSIVE_DENOMINATOR = ReportSum({"received_total": 1, "carried_over": 1})


def _definitions() -> Iterator[IndicatorDefinition]:
    yield IndicatorDefinition(
        code="adult_smartphone_rate",
        name=Label("Tỷ lệ người trưởng thành có điện thoại thông minh", "Adults with a smartphone"),
        numerator=Label("người từ đủ 18 tuổi có điện thoại thông minh", "adults who own a smartphone"),
        denominator=Label("người từ đủ 18 tuổi", "adults (age ≥ adult_age)"),
        counting=PersonShare(_SMARTPHONE, _age_at_least("adult_age")),
        unit=UnitOfAnalysis.PERSON,
        targets=(
            Target(80.0, Operator.AT_LEAST, 2025, _D411),
            Target(95.0, Operator.AT_LEAST, 2030, _D411),
        ),
        parameters=(_ADULT_AGE,),
    )
    yield IndicatorDefinition(
        code="resident_smartphone_rate",
        name=Label("Tỷ lệ người dân sử dụng điện thoại thông minh", "Residents using a smartphone"),
        numerator=Label(
            "người trong độ tuổi có điện thoại thông minh", "residents in scope with a smartphone"
        ),
        denominator=Label(
            "người trong độ tuổi (từ đủ 15 tuổi)", "residents in the age scope (age ≥ min_age)"
        ),
        counting=PersonShare(_SMARTPHONE, _age_at_least("min_age")),
        unit=UnitOfAnalysis.PERSON,
        parameters=(_MIN_AGE,),
        reference="article: over 90 % in Kim Quy A village (Vân Khánh commune)",
    )
    yield IndicatorDefinition(
        code="household_digital_core_rate",
        name=Label("Tỷ lệ hộ có “hạt nhân số”", "Households with a digital core"),
        numerator=Label(
            "hộ có ít nhất một người từ đủ 15 tuổi có điện thoại thông minh và kỹ năng số cơ bản",
            "households with at least one member aged ≥ 15 who owns a smartphone "
            "and has basic digital skills",
        ),
        denominator=Label("hộ gia đình", "households"),
        counting=HouseholdShare(AnyMember(_DIGITAL_CORE)),
        unit=UnitOfAnalysis.HOUSEHOLD,
        targets=(
            Target(100.0, Operator.AT_LEAST, None, "An Giang local goal: a digital core in every household"),
        ),
        parameters=(
            Parameter("core_min_age", 15, "youngest age of a household's digital core"),
            Parameter(
                "core_rule",
                "smartphone_and_skills",
                "what makes a member the digital core",
                choices=("smartphone_and_skills", "smartphone", "skills"),
            ),
        ),
    )
    yield IndicatorDefinition(
        code="household_smartphone_rate",
        name=Label("Tỷ lệ hộ có điện thoại thông minh", "Households with a smartphone"),
        numerator=Label(
            "hộ có ít nhất một thành viên có điện thoại thông minh", "households with ≥ 1 smartphone owner"
        ),
        denominator=Label("hộ gia đình", "households"),
        counting=HouseholdShare(AnyMember(_SMARTPHONE)),
        unit=UnitOfAnalysis.HOUSEHOLD,
        targets=(Target(100.0, Operator.AT_LEAST, 2026, "Ho Chi Minh City Plan 31 (2026)"),),
    )
    yield IndicatorDefinition(
        code="household_no_smart_device_rate",
        name=Label("Tỷ lệ hộ không có thiết bị thông minh", "Households with no smart device"),
        numerator=Label(
            "hộ không có điện thoại thông minh, máy tính bảng hay máy tính",
            "households with no smartphone, tablet or computer",
        ),
        denominator=Label("hộ gia đình", "households"),
        counting=HouseholdShare(All(Not(AnyMember(_SMARTPHONE)), Compare("other_smart_devices", "==", 0))),
        unit=UnitOfAnalysis.HOUSEHOLD,
        direction=Direction.LOWER_IS_BETTER,
    )
    yield IndicatorDefinition(
        code="household_internet_rate",
        name=Label("Tỷ lệ hộ có kết nối Internet", "Households with internet access"),
        numerator=Label(
            "hộ có dịch vụ truy cập Internet (di động, cố định hoặc cáp quang)",
            "households with an internet access service (mobile, fixed or fibre)",
        ),
        denominator=Label("hộ gia đình", "households"),
        counting=HouseholdShare(Compare("internet", "!=", InternetAccess.NONE)),
        unit=UnitOfAnalysis.HOUSEHOLD,
        reference="GSO definition: any paid internet access service counts",
    )
    yield IndicatorDefinition(
        code="household_fibre_rate",
        name=Label("Tỷ lệ hộ có Internet cáp quang", "Households with fibre broadband"),
        numerator=Label("hộ có Internet băng rộng cáp quang", "households with fibre broadband"),
        denominator=Label("hộ gia đình", "households"),
        counting=HouseholdShare(Compare("internet", "==", InternetAccess.FIBRE)),
        unit=UnitOfAnalysis.HOUSEHOLD,
        targets=(Target(80.0, Operator.AT_LEAST, 2025, _D411),),
    )
    yield IndicatorDefinition(
        code="internet_user_rate",
        name=Label("Tỷ lệ người sử dụng Internet", "Internet users"),
        numerator=Label(
            "người trong độ tuổi đã dùng Internet trong 3 tháng qua",
            "persons in scope who used the internet in the last 3 months",
        ),
        denominator=Label("người trong độ tuổi (từ đủ 15 tuổi)", "persons in scope (age ≥ min_age)"),
        counting=PersonShare(Flag("internet_user"), _age_at_least("min_age")),
        unit=UnitOfAnalysis.PERSON,
        targets=(Target(100.0, Operator.AT_LEAST, 2030, "ITU universal meaningful connectivity, 2030"),),
        parameters=(_MIN_AGE,),
    )
    yield IndicatorDefinition(
        code="vneid_level2_rate",
        name=Label("Tỷ lệ người có định danh điện tử mức 2", "Level-2 electronic identification (VNeID)"),
        numerator=Label(
            "người đã kích hoạt tài khoản định danh điện tử mức 2", "persons with an activated level-2 VNeID"
        ),
        denominator=Label(
            "người đủ điều kiện: từ đủ 14 tuổi có căn cước gắn chip",
            "eligible persons: aged ≥ 14 holding a chip ID card (variants: all ≥ 14, all ≥ 6)",
        ),
        counting=PersonShare(Compare("vneid_level", "==", 2), _VNEID_ELIGIBLE),
        unit=UnitOfAnalysis.PERSON,
        parameters=(
            Parameter(
                "eligibility",
                "chip_card_14",
                "who is eligible (Decree 69/2024/NĐ-CP)",
                choices=("chip_card_14", "all_14", "all_6"),
            ),
        ),
        reference="article: 90 % in An Minh commune",
    )
    yield IndicatorDefinition(
        code="payment_account_rate",
        name=Label("Tỷ lệ người có tài khoản thanh toán", "Persons with a payment account"),
        numerator=Label(
            "người từ đủ 15 tuổi có tài khoản thanh toán (ngân hàng hoặc tiền di động)",
            "persons aged ≥ 15 with a payment account (bank or mobile money)",
        ),
        denominator=Label("người từ đủ 15 tuổi", "persons aged ≥ min_age"),
        counting=PersonShare(Flag("payment_account"), _age_at_least("min_age")),
        unit=UnitOfAnalysis.PERSON,
        targets=(Target(80.0, Operator.AT_LEAST, 2025, _D411),),
        parameters=(_MIN_AGE,),
    )
    yield IndicatorDefinition(
        code="digital_signature_rate",
        name=Label("Tỷ lệ người trưởng thành có chữ ký số", "Adults with a digital signature"),
        numerator=Label(
            "người từ đủ 18 tuổi có chữ ký số, chữ ký điện tử cá nhân",
            "adults with a digital / personal e-signature",
        ),
        denominator=Label("người từ đủ 18 tuổi", "adults (age ≥ adult_age)"),
        counting=PersonShare(Flag("digital_signature"), _age_at_least("adult_age")),
        unit=UnitOfAnalysis.PERSON,
        targets=(Target(50.0, Operator.ABOVE, 2025, _D411),),
        parameters=(_ADULT_AGE,),
    )
    yield IndicatorDefinition(
        code="basic_digital_skills_rate",
        name=Label("Tỷ lệ người trong độ tuổi lao động có kỹ năng số cơ bản", "Basic digital skills"),
        numerator=Label(
            "người trong độ tuổi lao động có kỹ năng số cơ bản",
            "working-age persons with basic digital skills",
        ),
        denominator=Label("người trong độ tuổi lao động (15–60)", "working-age persons (15–60 by default)"),
        counting=PersonShare(
            Flag("digital_skills"),
            All(_age_at_least("working_age_min"), Compare("age", "<=", Param("working_age_max"))),
        ),
        unit=UnitOfAnalysis.PERSON,
        targets=(Target(70.0, Operator.ABOVE, 2025, _D411),),
        parameters=(
            Parameter("working_age_min", 15, "youngest working age"),
            Parameter("working_age_max", 60, "oldest working age (inclusive)"),
        ),
    )
    yield IndicatorDefinition(
        code="online_application_share",
        name=Label("Tỷ lệ hồ sơ tiếp nhận trực tuyến", "Applications received online"),
        numerator=Label("hồ sơ tiếp nhận trực tuyến trong kỳ", "applications received online in the period"),
        denominator=Label("hồ sơ tiếp nhận trong kỳ", "applications received in the period"),
        counting=ReportRatio(ReportSum.of("received_online"), ReportSum.of("received_total")),
        unit=UnitOfAnalysis.CENTRE_REPORT,
        kind=Kind.FLOW,
        reference="article: about 300 of 2,000 a day (15 %) in An Minh commune",
    )
    yield IndicatorDefinition(
        code="fully_online_dossier_rate",
        name=Label("Tỷ lệ hồ sơ giải quyết trực tuyến toàn trình", "Dossiers resolved fully online"),
        numerator=Label("hồ sơ giải quyết trực tuyến toàn trình", "dossiers resolved fully online"),
        denominator=Label("hồ sơ đã giải quyết trong kỳ", "dossiers resolved in the period"),
        counting=ReportRatio(ReportSum.of("resolved_fully_online"), ReportSum.of("resolved_total")),
        unit=UnitOfAnalysis.CENTRE_REPORT,
        kind=Kind.FLOW,
        targets=(Target(80.0, Operator.AT_LEAST, 2025, _D942),),
    )
    yield ON_TIME_RESOLVED
    yield IndicatorDefinition(
        code="team_village_coverage_rate",
        name=Label(
            "Tỷ lệ thôn, ấp có Tổ công nghệ số cộng đồng hoạt động", "Villages covered by an active team"
        ),
        numerator=Label(
            "thôn, ấp có ít nhất một tổ hoạt động trong kỳ",
            "villages served by at least one team active in the period",
        ),
        denominator=Label("thôn, ấp", "villages"),
        counting=TeamVillageCoverage(),
        unit=UnitOfAnalysis.VILLAGE,
        targets=(
            Target(
                100.0, Operator.AT_LEAST, None, "Official Letter 793/BTTTT-THH (2022): one team per village"
            ),
        ),
    )
    yield IndicatorDefinition(
        code="team_members_per_100_households",
        name=Label("Số thành viên tổ công nghệ số trên 100 hộ", "Team members per 100 households"),
        numerator=Label("thành viên các tổ hoạt động trong kỳ", "members of teams active in the period"),
        denominator=Label("hộ gia đình ÷ 100", "households ÷ 100"),
        counting=TeamMembersPerHouseholds(),
        unit=UnitOfAnalysis.TEAM,
        bounded=False,
        lowest_level=AdminLevel.COMMUNE,
    )
    yield IndicatorDefinition(
        code="difficulty_resolution_rate",
        name=Label("Tỷ lệ khó khăn, vướng mắc được giải quyết", "Difficulties resolved"),
        numerator=Label(
            "phiếu khó khăn được giải quyết trong kỳ", "difficulty tickets resolved in the period"
        ),
        denominator=Label(
            "phiếu mở trong kỳ hoặc chuyển từ kỳ trước",
            "tickets opened in the period or carried into it",
        ),
        counting=TicketResolution(),
        unit=UnitOfAnalysis.TICKET,
        kind=Kind.FLOW,
    )


ON_TIME_RESOLVED = IndicatorDefinition(
    code="on_time_rate",
    name=Label("Tỷ lệ hồ sơ giải quyết đúng hạn", "Dossiers resolved on time"),
    numerator=Label("hồ sơ giải quyết trước và đúng hạn", "dossiers resolved early or on time"),
    denominator=Label("hồ sơ đã giải quyết trong kỳ", "dossiers resolved in the period"),
    counting=ReportRatio(
        Choose(
            "method",
            {
                "resolved_on_time": ReportSum.of("resolved_on_time"),
                "late_inclusive": _LATE_INCLUSIVE_NUMERATOR,
            },
        ),
        Choose(
            "method",
            {
                "resolved_on_time": ReportSum.of("resolved_total"),
                "late_inclusive": _LATE_INCLUSIVE_DENOMINATOR,
            },
        ),
    ),
    unit=UnitOfAnalysis.CENTRE_REPORT,
    kind=Kind.FLOW,
    parameters=(
        Parameter(
            "method",
            "resolved_on_time",
            "resolved_on_time: on-time ÷ resolved; late_inclusive: "
            "1 − (late pending + late resolved) ÷ (received + carried over)",
            choices=("resolved_on_time", "late_inclusive"),
            always_shown=True,
        ),
    ),
    reference="article: about 97 % in An Minh commune",
)
"""``on_time_rate`` as most reports compute it: dossiers resolved early or on time ÷ dossiers resolved."""

ON_TIME_LATE_INCLUSIVE = ON_TIME_RESOLVED.with_parameters(method="late_inclusive")
"""``on_time_rate``, late-inclusive: 1 − (late pending + late resolved) ÷ (received + carried over).

Counts dossiers still pending past their deadline too, so it is never higher than it should be when a
centre resolves the easy dossiers first.
"""

CATALOGUE: Mapping[str, IndicatorDefinition] = {d.code: d for d in _definitions()}
"""Every indicator of the brief by code, with default parameters."""


def _default_report() -> tuple[IndicatorDefinition, ...]:
    report: list[IndicatorDefinition] = []
    for definition in CATALOGUE.values():
        report.append(definition)
        if definition is ON_TIME_RESOLVED:
            report.append(ON_TIME_LATE_INCLUSIVE)
    return tuple(report)


DEFAULT_REPORT: tuple[IndicatorDefinition, ...] = _default_report()
"""What a full report shows: the whole catalogue, with both definitions of ``on_time_rate`` side by side."""


def get(code: str) -> IndicatorDefinition:
    """The catalogue's indicator with this code, or ``KeyError`` listing the codes."""
    try:
        return CATALOGUE[code]
    except KeyError:
        raise KeyError(f"unknown indicator {code!r}; known: {', '.join(CATALOGUE)}") from None
