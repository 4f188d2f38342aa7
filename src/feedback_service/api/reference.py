"""``/api/v1/reference``: the codes a client needs, with labels in Vietnamese and English.

Apps cache these to work offline; the codes are the library's and never change meaning.
"""

from __future__ import annotations

import msgspec
from litestar import Controller, get
from litestar.params import FromQuery

from digitransform.domain import AdminLevel, Barrier, DigitalService, Label, ResolutionType, TicketAction
from feedback_service.api.dependencies import Caller, Ctx

__all__ = ["CodeLabel", "ReferenceController", "UnitOut"]


class LabelOut(msgspec.Struct):
    vi: str
    en: str


class CodeLabel(msgspec.Struct):
    """A code and its labels."""

    code: str
    label: LabelOut


class CodeList(msgspec.Struct):
    items: list[CodeLabel]


class UnitOut(msgspec.Struct):
    """An administrative unit: province, commune or village."""

    code: str
    name: str
    ascii_name: str
    level: AdminLevel
    parent_code: str | None


class UnitList(msgspec.Struct):
    """The units, top-down (the province, then each commune followed by its villages)."""

    province: str
    items: list[UnitOut]


_LEVEL_LABELS = {
    AdminLevel.PROVINCE: Label("Tỉnh", "Province"),
    AdminLevel.COMMUNE: Label("Xã, phường, đặc khu", "Commune, ward or special zone"),
    AdminLevel.VILLAGE: Label("Ấp, thôn, khu phố", "Village, hamlet or neighbourhood"),
}
_ACTION_LABELS = {
    TicketAction.ACKNOWLEDGE: Label("Tiếp nhận", "Acknowledge"),
    TicketAction.START: Label("Bắt đầu xử lý", "Start work"),
    TicketAction.RESOLVE: Label("Đã giải quyết", "Resolve"),
    TicketAction.REJECT: Label(
        "Từ chối (trùng lặp, không thuộc phạm vi)", "Reject (duplicate, out of scope)"
    ),
    TicketAction.REOPEN: Label("Mở lại", "Reopen"),
}


def _codes(pairs: list[tuple[str, Label]]) -> CodeList:
    return CodeList([CodeLabel(code, LabelOut(label.vi, label.en)) for code, label in pairs])


class ReferenceController(Controller):
    """Barrier categories, digital services, resolution types, actions and units."""

    path = "/api/v1/reference"
    tags = ("reference",)

    @get("/categories", summary="Barrier categories")
    async def categories(self, principal: Caller) -> CodeList:
        return _codes([(b.value, b.label) for b in Barrier])

    @get("/services", summary="Digital services a difficulty can be about")
    async def services(self, principal: Caller) -> CodeList:
        return _codes([(s.value, s.label) for s in DigitalService])

    @get("/resolutions", summary="How a difficulty was resolved")
    async def resolutions(self, principal: Caller) -> CodeList:
        return _codes([(r.value, r.label) for r in ResolutionType])

    @get("/actions", summary="What an official can do to a ticket")
    async def actions(self, principal: Caller) -> CodeList:
        return _codes([(a.value, _ACTION_LABELS[a]) for a in TicketAction])

    @get("/levels", summary="Levels of the administrative tree")
    async def levels(self, principal: Caller) -> CodeList:
        return _codes([(level.value, _LEVEL_LABELS[level]) for level in AdminLevel])

    @get("/units", summary="Administrative units (names are Vietnamese; ascii_name drops the diacritics)")
    async def units(
        self,
        ctx: Ctx,
        principal: Caller,
        parent: FromQuery[str | None] = None,
        level: FromQuery[AdminLevel | None] = None,
    ) -> UnitList:
        tree = ctx.tree
        units = (
            tree.children(parent) if parent is not None and parent in tree else ([] if parent else list(tree))
        )
        return UnitList(
            province=tree.root.code,
            items=[
                UnitOut(u.code, u.name, u.ascii_name, u.level, u.parent_code)
                for u in units
                if level is None or u.level is level
            ],
        )
