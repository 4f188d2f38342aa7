"""A synthetic province shaped on An Giang, for demos, tests and benchmarks: seeded and streamed.

Since the 2025 merger An Giang has about 1.3 million households in some 100 communes, wards and
special zones, and 1,035 community digital technology teams. The demo keeps that shape at any size:
about 1,250 households a village, one team per village, and at least three communes. The first
communes are the article's: U Minh Thượng (26 villages, so 26 teams), An Minh (18; its centre takes
about 2,000 applications a working day, 15 % online, 97 % on time, 90 % level-2 VNeID) and Vân Khánh
(with Kim Quy A, where over 90 % of residents use a smartphone). Smaller provinces take the first
communes of the list, so those three keep their real numbers from about 69,000 households up.

Everything is drawn from ``random.Random`` seeded by the demo seed and the unit concerned, so the
same seed gives byte-identical files, and a village's households do not depend on how many villages
come before it. Names and codes do not depend on the seed at all.

The commune list is shaped on the 2025 units but is not an official register, and every household is
invented: no real person is described.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import os
import random
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs

from digitransform.domain import (
    AdminLevel,
    AdminTree,
    AdminUnit,
    Household,
    InternetAccess,
    Resident,
    ServiceReport,
    Team,
    TeamRole,
)
from digitransform.formats import (
    write_households_jsonl,
    write_service_reports_csv,
    write_teams_csv,
    write_units_csv,
)
from digitransform.indicators import Accumulator, build_report, get

__all__ = [
    "AS_OF",
    "FILES",
    "HOUSEHOLDS_PER_VILLAGE",
    "PROVINCE_CODE",
    "PROVINCE_NAME",
    "REPORT_MONTHS",
    "DemoCommune",
    "DemoProvince",
    "DemoSummary",
    "DemoVillage",
    "Headline",
    "ProgressCallback",
    "demo_service_reports",
    "demo_teams",
    "demo_units",
    "generate_demo",
    "iter_demo_households",
    "plan_demo",
]

PROVINCE_CODE = "AG"
PROVINCE_NAME = "An Giang"
HOUSEHOLDS_PER_VILLAGE = 1_256
"""About this many households a village (1.3 million ÷ 1,035 teams, one per village); the number of
villages follows the number of households."""
MIN_COMMUNES = 3
AS_OF = dt.date(2025, 12, 31)
"""The survey date: teams' last activity lies on or before it."""
REPORT_MONTHS = tuple(dt.date(2025, month, 1) for month in range(7, 13))
"""Service reports cover each month since the new communes began, 1 July 2025."""
FILES = ("units.csv", "households.jsonl", "teams.csv", "service_reports.csv")

ProgressCallback = Callable[[int], None]
"""Called with how many more households have been written."""


# --- the communes: (name, villages at full scale, digital maturity 0..1) ----------------------------
# Maturity shapes every probability of a commune: wards and Phú Quốc are high, remote and
# Khmer-majority communes (Tri Tôn, Ba Chúc, Ô Lâm, Cô Tô...) low. Full-scale villages add up to
# 1,035, the province's number of teams.
_COMMUNES: tuple[tuple[str, int, float], ...] = (
    ("Xã U Minh Thượng", 26, 0.45),
    ("Xã An Minh", 18, 0.70),
    ("Xã Vân Khánh", 11, 0.60),
    ("Phường Long Xuyên", 16, 0.85),
    ("Xã Vĩnh Thuận", 12, 0.50),
    ("Đặc khu Phú Quốc", 20, 0.85),
    ("Xã Hòn Đất", 13, 0.50),
    ("Xã Tân Hiệp", 12, 0.55),
    ("Phường Rạch Giá", 17, 0.88),
    ("Xã Châu Thành", 11, 0.45),
    ("Xã Giồng Riềng", 13, 0.45),
    ("Xã Gò Quao", 12, 0.42),
    ("Xã Kiên Lương", 9, 0.50),
    ("Phường Châu Đốc", 10, 0.80),
    ("Xã Tri Tôn", 12, 0.32),
    ("Xã An Biên", 12, 0.48),
    ("Xã Đông Hòa", 10, 0.45),
    ("Phường Hà Tiên", 8, 0.78),
    ("Xã Chợ Mới", 14, 0.55),
    ("Xã Thoại Sơn", 11, 0.52),
    ("Phường Tịnh Biên", 9, 0.62),
    ("Xã Phú Tân", 13, 0.50),
    ("Phường Tân Châu", 10, 0.72),
    ("Xã An Phú", 11, 0.45),
    ("Xã Châu Phú", 13, 0.48),
    ("Xã Óc Eo", 10, 0.45),
    ("Xã Ba Chúc", 9, 0.30),
    ("Xã Ô Lâm", 8, 0.28),
    ("Xã Cô Tô", 9, 0.30),
    ("Xã Núi Cấm", 8, 0.35),
    ("Đặc khu Kiên Hải", 4, 0.55),
    ("Xã Vĩnh Gia", 8, 0.38),
    ("Xã Giang Thành", 9, 0.38),
    ("Xã Hòa Điền", 9, 0.42),
    ("Phường Bình Đức", 9, 0.80),
    ("Xã Sơn Kiên", 10, 0.45),
    ("Xã Bình Sơn", 10, 0.45),
    ("Xã Bình Giang", 10, 0.45),
    ("Xã Mỹ Thuận", 11, 0.48),
    ("Xã Thạnh Đông", 11, 0.50),
    ("Xã Tân Hội", 10, 0.50),
    ("Phường Mỹ Thới", 8, 0.78),
    ("Xã Bình An", 11, 0.48),
    ("Xã Thạnh Lộc", 11, 0.46),
    ("Xã Thạnh Hưng", 12, 0.44),
    ("Xã Long Thạnh", 10, 0.44),
    ("Xã Hòa Hưng", 10, 0.44),
    ("Xã Ngọc Chúc", 10, 0.42),
    ("Xã Hòa Thuận", 10, 0.42),
    ("Xã Định Hòa", 9, 0.42),
    ("Phường Vĩnh Tế", 8, 0.70),
    ("Xã Vĩnh Hòa Hưng", 10, 0.42),
    ("Xã Vĩnh Tuy", 9, 0.40),
    ("Xã Đông Thái", 10, 0.44),
    ("Xã Tây Yên", 10, 0.44),
    ("Xã Đông Hưng", 10, 0.44),
    ("Xã Tân Thạnh", 9, 0.44),
    ("Đặc khu Thổ Châu", 2, 0.40),
    ("Xã Vĩnh Hòa", 9, 0.46),
    ("Xã Vĩnh Bình", 9, 0.46),
    ("Xã Vĩnh Phong", 9, 0.46),
    ("Phường Long Phú", 8, 0.70),
    ("Xã Khánh Bình", 10, 0.45),
    ("Xã Nhơn Hội", 9, 0.45),
    ("Xã Phú Hữu", 10, 0.45),
    ("Xã Vĩnh Hậu", 9, 0.45),
    ("Xã Chợ Vàm", 10, 0.50),
    ("Xã Hòa Lạc", 9, 0.48),
    ("Phường Thới Sơn", 8, 0.62),
    ("Xã Phú An", 10, 0.48),
    ("Xã Phú Lâm", 10, 0.48),
    ("Xã Mỹ Đức", 10, 0.47),
    ("Xã Vĩnh Thạnh Trung", 10, 0.47),
    ("Xã Bình Mỹ", 10, 0.47),
    ("Xã Thạnh Mỹ Tây", 9, 0.46),
    ("Phường Chi Lăng", 8, 0.60),
    ("Xã An Cư", 9, 0.35),
    ("Xã Định Mỹ", 9, 0.46),
    ("Xã Phú Hòa", 9, 0.50),
    ("Xã Vĩnh Trạch", 9, 0.48),
    ("Xã Tây Phú", 9, 0.46),
    ("Phường Vĩnh Thông", 8, 0.75),
    ("Xã Cù Lao Giêng", 10, 0.50),
    ("Xã Hội An", 10, 0.50),
    ("Xã Long Điền", 10, 0.50),
    ("Xã Nhơn Mỹ", 10, 0.50),
    ("Xã Long Kiến", 10, 0.50),
    ("Phường Tô Châu", 8, 0.74),
    ("Xã Mỹ Hòa Hưng", 9, 0.55),
    ("Xã Vĩnh An", 9, 0.46),
    ("Xã Vọng Thê", 9, 0.44),
    ("Xã Vĩnh Xương", 9, 0.46),
    ("Xã Tân An", 9, 0.48),
    ("Xã Châu Phong", 9, 0.44),
    ("Xã Bình Hòa", 10, 0.50),
    ("Xã Cần Đăng", 10, 0.48),
    ("Xã Vĩnh Hanh", 10, 0.46),
    ("Xã An Châu", 10, 0.52),
    ("Xã Bình Thạnh Đông", 9, 0.46),
    ("Xã Kiên Bình", 9, 0.42),
    ("Xã Thuận Hòa", 9, 0.44),
    ("Xã Tân Tuyến", 9, 0.38),
)

# The article's communes and figures.
_AN_MINH = "Xã An Minh"
_VAN_KHANH = "Xã Vân Khánh"
_KIM_QUY_A = "Ấp Kim Quy A"
_FIXED_VILLAGE_NAMES = {
    _VAN_KHANH: ("Ấp Kim Quy A", "Ấp Kim Quy B", "Ấp Kim Quy C"),
    "Xã U Minh Thượng": ("Ấp Minh Thượng", "Ấp Minh Hòa", "Ấp Vĩnh Chánh"),
    _AN_MINH: ("Ấp Thứ Mười Một", "Ấp Xẻo Nhàu", "Ấp Kênh Tư"),
}
_SERVICE_CENTRE = {_AN_MINH: (2_000.0, 0.15, 0.97)}
"""Applications a working day, online share and on-time rate that the article gives."""

_NAME_PARTS = (
    "An", "Bình", "Hòa", "Phú", "Tân", "Thạnh", "Long", "Mỹ", "Vĩnh", "Phước", "Lợi", "Hưng",
    "Thới", "Đông", "Tây", "Nam", "Bắc", "Xuân", "Thuận", "Khánh", "Lộc", "Điền", "Hậu", "Thành",
    "Trung", "Hiệp", "Quới", "Định", "Tiến", "Hội", "Phong", "Lạc", "Sơn", "Giang", "Châu", "Nhơn",
)  # fmt: skip
_WATER_PARTS = ("Xẻo", "Rạch", "Kênh", "Cái", "Vàm", "Mương", "Ngã", "Giồng", "Cồn", "Sóc")
_SUFFIXES = ("", "", "", "", " A", " B", " 1", " 2")


# --- the plan: communes and villages with their sizes and maturity -----------------------------------


@attrs.frozen
class DemoVillage:
    """A village of the demo: its unit, how many households it has, and how digital it is (0..1)."""

    code: str
    name: str
    commune: str
    households: int
    maturity: float


@attrs.frozen
class DemoCommune:
    """A commune of the demo, with its villages and its public-service centre's profile."""

    code: str
    name: str
    villages: tuple[DemoVillage, ...]
    maturity: float
    daily_applications: float
    online_share: float
    on_time_rate: float


@attrs.frozen
class DemoProvince:
    """The whole demo province: small (one entry per village), so it can be planned in memory.

    Households are never held: :meth:`iter_households` generates them village by village.
    """

    households: int
    seed: int
    communes: tuple[DemoCommune, ...]

    @property
    def villages(self) -> tuple[DemoVillage, ...]:
        """Every village, commune by commune."""
        return tuple(v for c in self.communes for v in c.villages)

    def units(self) -> list[AdminUnit]:
        """The province, then each commune followed by its villages."""
        units = [AdminUnit(PROVINCE_CODE, PROVINCE_NAME, AdminLevel.PROVINCE)]
        for commune in self.communes:
            units.append(AdminUnit(commune.code, commune.name, AdminLevel.COMMUNE, PROVINCE_CODE))
            units.extend(
                AdminUnit(v.code, v.name, AdminLevel.VILLAGE, commune.code) for v in commune.villages
            )
        return units

    def tree(self) -> AdminTree:
        """The validated administrative tree."""
        return AdminTree.from_units(self.units())

    def iter_households(self) -> Iterator[Household]:
        """Every household, village by village, generated as it is asked for."""
        residents: dict[tuple[object, ...], Resident] = {}
        for village in self.villages:
            yield from _village_households(self.seed, village, residents)

    def teams(self) -> list[Team]:
        """One team per village (Official Letter 793/BTTTT-THH), 5–10 members in the usual roles."""
        teams: list[Team] = []
        for commune in self.communes:
            rng = random.Random(f"digitransform-demo:{self.seed}:teams:{commune.code}")
            teams.extend(_team(rng, commune, village) for village in commune.villages)
        return teams

    def service_reports(self) -> list[ServiceReport]:
        """Each commune's public-service centre, month by month since July 2025."""
        reports: list[ServiceReport] = []
        for commune in self.communes:
            rng = random.Random(f"digitransform-demo:{self.seed}:reports:{commune.code}")
            reports.extend(_monthly_reports(rng, commune))
        return reports


def plan_demo(households: int, seed: int = 0) -> DemoProvince:
    """The demo province for ``households`` households: which communes and villages, how big each is.

    ``households`` must be at least 1. Villages number about one per 1,256 households, in at least
    three communes.
    """
    if households < 1:
        raise ValueError(f"households must be at least 1, got {households}")
    village_counts = _village_counts(max(MIN_COMMUNES, round(households / HOUSEHOLDS_PER_VILLAGE)))
    rng = random.Random(f"digitransform-demo:{seed}:plan")
    # Villages differ in size; every household is placed, so the total is exact.
    weights = [[rng.uniform(0.6, 1.4) for _ in range(n)] for n in village_counts]
    sizes = _apportion(households, [w for ws in weights for w in ws])
    communes = []
    position = 0
    for index, (count, (name, full_villages, maturity)) in enumerate(
        zip(village_counts, _COMMUNES, strict=False)
    ):
        code = f"{PROVINCE_CODE}{index + 1:03d}"
        names = _village_names(name, count)
        villages = []
        for j in range(count):
            village_maturity = (
                1.0 if names[j] == _KIM_QUY_A else _clamp(maturity + rng.gauss(0, 0.1), 0.05, 0.95)
            )
            villages.append(
                DemoVillage(f"{code}-{j + 1:02d}", names[j], code, sizes[position], village_maturity)
            )
            position += 1
        daily, online, on_time = _SERVICE_CENTRE.get(
            name,
            (
                full_villages * rng.uniform(6, 14) * (2.0 if name.startswith("Phường") else 1.0),
                _clamp(0.04 + 0.3 * maturity + rng.gauss(0, 0.03), 0.01, 0.6),
                _clamp(rng.gauss(0.94, 0.025), 0.8, 0.995),
            ),
        )
        communes.append(DemoCommune(code, name, tuple(villages), maturity, daily, online, on_time))
    return DemoProvince(households, seed, tuple(communes))


def _village_counts(villages: int) -> list[int]:
    """Villages per commune, taking communes in list order until there are ``villages`` of them."""
    full = [n for _, n, _ in _COMMUNES]
    total = sum(full)
    if villages == total:
        return full
    if villages > total:  # more than 1.3 million households: every commune grows alike
        return _apportion(villages, [float(n) for n in full])
    counts: list[int] = []
    for n in full:
        if sum(counts) >= villages and len(counts) >= MIN_COMMUNES:
            break
        counts.append(min(n, villages - sum(counts)))
    if len(counts) == MIN_COMMUNES and sum(full[:MIN_COMMUNES]) > villages:
        return _apportion(villages, [float(n) for n in full[:MIN_COMMUNES]], minimum=1)
    return counts


def _apportion(total: int, weights: Sequence[float], minimum: int = 0) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainders), each part ≥ ``minimum``."""
    spare = total - minimum * len(weights)
    if spare < 0:
        raise ValueError(f"cannot give {len(weights)} parts at least {minimum} each out of {total}")
    scale = spare / sum(weights)
    exact = [w * scale for w in weights]
    parts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (parts[i] - exact[i], i))
    for i in by_remainder[: spare - sum(parts)]:
        parts[i] += 1
    return [p + minimum for p in parts]


def _village_names(commune: str, count: int) -> list[str]:
    """Village names, unique within the commune and independent of the seed."""
    rng = random.Random(f"digitransform-demo:names:{commune}")
    ward = commune.startswith("Phường")
    names = list(_FIXED_VILLAGE_NAMES.get(commune, ()))[:count]
    taken = set(names)
    number = 0
    while len(names) < count:
        if ward and rng.random() < 0.5:
            number += 1
            name = f"Khu phố {number}"
        else:
            first = rng.choice(_WATER_PARTS) if rng.random() < 0.25 else rng.choice(_NAME_PARTS)
            second = rng.choice(_NAME_PARTS)
            if first == second:
                continue
            name = f"{'Khu phố' if ward else 'Ấp'} {first} {second}{rng.choice(_SUFFIXES)}"
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


def _clamp(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


# --- households -------------------------------------------------------------------------------------

_Facts = dict[str, Any]
"""A resident's facts by field name; ``tuple(facts.values())`` is the key equal residents share."""

_SIZES = (1, 2, 3, 4, 5, 6, 7, 8)
_SIZE_CUMULATIVE = (0.08, 0.25, 0.49, 0.76, 0.90, 0.96, 0.99, 1.00)
"""Household sizes with a mean of about 3.5 persons (the Mekong delta's is 3.4–3.6)."""


def _village_households(
    seed: int, village: DemoVillage, residents: dict[tuple[object, ...], Resident]
) -> Iterator[Household]:
    rng = random.Random(f"digitransform-demo:{seed}:households:{village.code}")
    random_ = rng.random
    m = village.maturity
    fibre_below = 0.20 + 0.55 * m
    mobile_below = fibre_below + 0.28
    fixed_below = mobile_below + 0.03
    for k in range(1, village.households + 1):
        size = _SIZES[bisect.bisect_right(_SIZE_CUMULATIVE, random_())]
        ages = _ages(rng, size)
        x = random_()
        if x < fibre_below:
            internet = InternetAccess.FIBRE
        elif x < mobile_below:
            internet = InternetAccess.MOBILE
        elif x < fixed_below:
            internet = InternetAccess.FIXED
        else:
            internet = InternetAccess.NONE
        if size == 1 and ages[0] >= 70 and internet is not InternetAccess.NONE and random_() < 0.5:
            internet = InternetAccess.NONE  # the elderly living alone often have no subscription
        home_internet = internet is not InternetAccess.NONE
        members = []
        for age in ages:
            facts = _resident_facts(random_, age, m, home_internet)
            key = tuple(facts.values())
            resident = residents.get(key)
            if resident is None:
                resident = residents[key] = Resident(**facts)
            members.append(resident)
        y = random_()
        devices = 2 if y < 0.03 + 0.07 * m else 1 if y < 0.11 + 0.30 * m else 0
        yield Household(f"{village.code}-{k:05d}", village.code, internet, devices, members)


def _ages(rng: random.Random, size: int) -> list[int]:
    """A plausible household: a head, a spouse, then children, grown children or grandparents."""
    if size == 1:
        return [int(rng.triangular(20, 92, 62))]  # people living alone are often elderly
    head = int(rng.triangular(22, 80, 42))
    ages = [head, int(_clamp(head + rng.gauss(-2, 4), 18, 100))]
    grown_child = 0.4 if head >= 48 else 0.0
    grandparent = grown_child + (0.15 if head < 55 else 0.0)
    for _ in range(size - 2):
        x = rng.random()
        if x < grown_child:
            ages.append(rng.randint(18, head - 20))
        elif x < grandparent:
            ages.append(min(100, head + rng.randint(20, 32)))
        else:  # a child, or a grandchild of an older head
            ages.append(rng.randint(0, max(0, min(17, head - 18))))
    return ages


def _resident_facts(random_: Callable[[], float], age: int, m: float, home_internet: bool) -> _Facts:
    """A resident's facts, by the names of :class:`~digitransform.domain.Resident`'s fields.

    Smartphones: ~97 % of working-age people in the most digital villages, far fewer among the
    elderly. VNeID follows Decree 69/2024: level 2 needs a chip card and age ≥ 6; under 6, level 1
    at most; cards are for everyone from 14 and on request below.
    """
    if age < 10:
        p_phone = 0.02
    elif age < 15:
        p_phone = 0.25 + 0.35 * m
    elif age < 60:
        p_phone = 0.62 + 0.35 * m
    elif age < 70:
        p_phone = 0.25 + 0.65 * m
    elif age < 80:
        p_phone = 0.08 + 0.62 * m
    else:
        p_phone = 0.03 + 0.37 * m
    phone = random_() < p_phone
    p_online = 0.96 if phone else 0.35 if home_internet and 6 <= age <= 70 else 0.02
    online = random_() < p_online
    if age >= 14:
        card = random_() < 0.97
        x = random_()
        level2_below, level1_below = (0.78 + 0.17 * m, 0.96) if card else (0.0, 0.3)
        vneid = 2 if x < level2_below else 1 if x < level1_below else 0
    elif age >= 6:
        card = random_() < 0.2
        x = random_()
        vneid = 2 if card and x < 0.5 else 1 if x < 0.2 else 0
    else:
        card = random_() < 0.03
        vneid = 1 if random_() < 0.25 else 0
    payment = age >= 15 and random_() < (0.45 + 0.45 * m if phone else 0.15)
    signature = age >= 18 and phone and random_() < 0.05 + 0.35 * m
    if phone:
        skills = random_() < (0.55 + 0.35 * m if 15 <= age <= 60 else 0.30 if age < 15 else 0.25 + 0.30 * m)
    else:
        skills = random_() < 0.03
    return {
        "age": age,
        "smartphone": phone,
        "internet_user": online,
        "vneid_level": vneid,
        "id_card": card,
        "payment_account": payment,
        "digital_signature": signature,
        "digital_skills": skills,
    }


# --- teams and service reports ---------------------------------------------------------------------


def _team(rng: random.Random, commune: DemoCommune, village: DemoVillage) -> Team:
    members = rng.randint(5, 10)  # the province: ~8,000 members in 1,035 teams
    roles = {
        TeamRole.LEADER: 1,
        TeamRole.VILLAGE_HEAD: 1,
        TeamRole.POLICE: 1,
        TeamRole.WOMENS_UNION: 1,
        TeamRole.YOUTH_UNION: 1,
    }
    if members > len(roles) and rng.random() < 0.5:
        roles[TeamRole.TELECOM_STAFF] = 1
    if members > sum(roles.values()):
        roles[TeamRole.VOLUNTEER] = members - sum(roles.values())
    founded = dt.date(2022, 4, 1) + dt.timedelta(days=rng.randrange(640))
    x = rng.random()
    inactive = 0.12 * (1 - commune.maturity)
    if x < 0.01:
        last_active = None
    elif x < 0.01 + inactive:
        last_active = dt.date(2025, 3, 1) + dt.timedelta(days=rng.randrange(180))
    else:
        last_active = AS_OF - dt.timedelta(days=rng.randrange(45))
    return Team(f"T-{village.code}", commune.code, (village.code,), members, founded, last_active, roles)


def _weekdays(first: dt.date) -> tuple[dt.date, int]:
    last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    days = sum(1 for d in range(last.day) if (first + dt.timedelta(days=d)).weekday() < 5)
    return last, days


def _monthly_reports(rng: random.Random, commune: DemoCommune) -> Iterator[ServiceReport]:
    carried = round(commune.daily_applications * rng.uniform(1.0, 3.0))  # files inherited at the merger
    for first in REPORT_MONTHS:
        last, working_days = _weekdays(first)
        received = round(commune.daily_applications * working_days * rng.uniform(0.9, 1.1))
        online = round(received * _clamp(commune.online_share + rng.gauss(0, 0.01), 0.0, 1.0))
        resolved = min(received + carried, round(received * rng.uniform(0.96, 1.02)))
        on_time = round(resolved * _clamp(commune.on_time_rate + rng.gauss(0, 0.005), 0.0, 1.0))
        fully_online = min(resolved, round(online * rng.uniform(0.7, 0.95)))
        backlog = received + carried - resolved
        late = round(backlog * rng.uniform(0.02, 0.15))
        yield ServiceReport(
            commune.code, first, last, received, online, resolved, on_time, fully_online, late, carried
        )
        carried = backlog


# --- the four files ---------------------------------------------------------------------------------


@attrs.frozen
class Headline:
    """A headline count: how many of how many, e.g. adults with a smartphone of all adults."""

    label: str
    count: int
    of: int


@attrs.frozen
class DemoSummary:
    """What :func:`generate_demo` wrote: counts, files with their sizes in bytes, headline counts."""

    households: int
    seed: int
    units: dict[str, int]
    residents: int
    teams: int
    team_members: int
    service_reports: int
    files: tuple[tuple[Path, int], ...]
    headlines: tuple[Headline, ...]


_HEADLINES = (
    ("adults (18+) with a smartphone", "adult_smartphone_rate"),
    ("residents 15+ who used the internet", "internet_user_rate"),
    ("chip-card holders 14+ with level-2 VNeID", "vneid_level2_rate"),
    ("households with a digital core member", "household_digital_core_rate"),
    ("households with fibre broadband", "household_fibre_rate"),
    ("households with no smart device", "household_no_smart_device_rate"),
)
"""The summary's headline counts: each is a catalogue indicator's numerator and denominator."""


def _batches(households: Iterator[Household], size: int) -> Iterator[list[Household]]:
    batch: list[Household] = []
    for household in households:
        batch.append(household)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class _Tally:
    """Counts for the summary, taken by the indicator engine as households stream past."""

    def __init__(self, tree: AdminTree, progress: ProgressCallback | None) -> None:
        self.progress = progress
        self.residents = 0
        self.accumulator = Accumulator(tree, [get(code) for _, code in _HEADLINES])

    @property
    def households(self) -> int:
        return self.accumulator.households

    def count(self, households: Iterator[Household], every: int = 1_000) -> Iterator[Household]:
        """Yields the households on, counting them a batch at a time (and telling ``progress``)."""
        for batch in _batches(households, every):
            self.accumulator.add_households(batch)
            self.residents += sum(len(h.members) for h in batch)
            yield from batch
            if self.progress is not None:
                self.progress(len(batch))

    def headlines(self) -> tuple[Headline, ...]:
        report = build_report(self.accumulator, down_to=AdminLevel.PROVINCE)
        root = self.accumulator.tree.root.code
        rows = [(label, report.row(root, code)) for label, code in _HEADLINES]
        return tuple(Headline(label, row.numerator, row.denominator) for label, row in rows)


def generate_demo(
    out_dir: str | os.PathLike[str],
    *,
    households: int,
    seed: int = 0,
    progress: ProgressCallback | None = None,
) -> DemoSummary:
    """Write ``units.csv``, ``households.jsonl``, ``teams.csv`` and ``service_reports.csv`` to ``out_dir``.

    Streams households to disk, so memory stays bounded at any size (1.3 million households take
    the same memory as 10,000). The same ``households`` and ``seed`` give byte-identical files.
    Each file is written under a temporary name and renamed when complete. ``progress`` is called
    with the number of households just written.
    """
    province = plan_demo(households, seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    units = province.units()
    teams = province.teams()
    reports = province.service_reports()
    tally = _Tally(province.tree(), progress)
    writers: dict[str, Callable[[Path], int]] = {
        "units.csv": lambda path: write_units_csv(units, path),
        "households.jsonl": lambda path: write_households_jsonl(
            tally.count(province.iter_households()), path
        ),
        "teams.csv": lambda path: write_teams_csv(teams, path),
        "service_reports.csv": lambda path: write_service_reports_csv(reports, path),
    }
    files = []
    for name in FILES:
        final = out / name
        partial = out / f"{name}.part"
        writers[name](partial)
        os.replace(partial, final)
        files.append((final, final.stat().st_size))
    levels = {level.value: 0 for level in AdminLevel}
    for unit in units:
        levels[unit.level.value] += 1
    return DemoSummary(
        households=tally.households,
        seed=seed,
        units=levels,
        residents=tally.residents,
        teams=len(teams),
        team_members=sum(t.members for t in teams),
        service_reports=len(reports),
        files=tuple(files),
        headlines=tally.headlines(),
    )


# --- the same province, piece by piece ----------------------------------------------------------------


def demo_units(households: int, seed: int = 0) -> list[AdminUnit]:
    """The units of the demo province for ``households`` households (province, communes, villages)."""
    return plan_demo(households, seed).units()


def iter_demo_households(households: int, seed: int = 0) -> Iterator[Household]:
    """The demo province's households, generated one at a time (bounded memory)."""
    return plan_demo(households, seed).iter_households()


def demo_teams(households: int, seed: int = 0) -> list[Team]:
    """The demo province's teams, one per village."""
    return plan_demo(households, seed).teams()


def demo_service_reports(households: int, seed: int = 0) -> list[ServiceReport]:
    """The demo province's monthly service-centre reports, one per commune and month."""
    return plan_demo(households, seed).service_reports()
