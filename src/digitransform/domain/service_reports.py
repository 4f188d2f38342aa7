"""Reports of a public administration service centre (Trung tâm phục vụ hành chính công).

These are flows: counts over a period, summed when periods or units are combined.
"""

from __future__ import annotations

import datetime as dt

import attrs

__all__ = ["ServiceReport"]


def _non_negative(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} must be ≥ 0, got {value}")


def _unit_code(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    # A blank unit would pass a reader without a tree and be summed into no unit at all.
    if not value or value != value.strip():
        raise ValueError(f"{attribute.name} must be a unit code without surrounding spaces, got {value!r}")


@attrs.frozen(slots=True)
class ServiceReport:
    """What a centre received and resolved for a unit over [period_start, period_end]."""

    unit: str = attrs.field(validator=_unit_code)
    period_start: dt.date
    period_end: dt.date
    received_total: int = attrs.field(validator=_non_negative, default=0)
    received_online: int = attrs.field(validator=_non_negative, default=0)
    resolved_total: int = attrs.field(validator=_non_negative, default=0)
    resolved_on_time: int = attrs.field(validator=_non_negative, default=0)
    resolved_fully_online: int = attrs.field(validator=_non_negative, default=0)
    late_pending: int = attrs.field(validator=_non_negative, default=0)
    carried_over: int = attrs.field(validator=_non_negative, default=0)

    def __attrs_post_init__(self) -> None:
        if self.period_end < self.period_start:
            raise ValueError(
                f"report for {self.unit}: period_end {self.period_end} precedes "
                f"period_start {self.period_start}"
            )
        if self.received_online > self.received_total:
            raise ValueError("received_online cannot exceed received_total")
        if self.resolved_on_time > self.resolved_total:
            raise ValueError("resolved_on_time cannot exceed resolved_total")
        if self.resolved_fully_online > self.resolved_total:
            raise ValueError("resolved_fully_online cannot exceed resolved_total")

    @property
    def resolved_late(self) -> int:
        """Dossiers resolved after their deadline."""
        return self.resolved_total - self.resolved_on_time
