"""The compiled counting plan: its source shows in tracebacks, bad comparison values are refused when
a definition is made, and each kind of counting is read by its own rule."""

from __future__ import annotations

import linecache
import traceback
from typing import Any

import attrs
import pytest

from digitransform.domain import Household, Label, Resident
from digitransform.indicators import (
    DEFAULT_REPORT,
    Compare,
    Flag,
    IndicatorDefinition,
    Param,
    Parameter,
    PersonShare,
    Source,
    UnitOfAnalysis,
    compile_plan,
    get,
)
from digitransform.indicators.definitions import Counting


def _definition(counting: Counting, *parameters: Parameter, code: str = "own_rate") -> IndicatorDefinition:
    return IndicatorDefinition(
        code=code,
        name=Label("x", "x"),
        numerator=Label("x", "x"),
        denominator=Label("x", "x"),
        counting=counting,
        unit=UnitOfAnalysis.PERSON,
        parameters=parameters,
    )


def test_a_traceback_through_the_plan_shows_its_source() -> None:
    """An error inside the generated loop is reported on the loop's own line, under a readable name."""
    plan = compile_plan((get("adult_smartphone_rate"),))
    with pytest.raises(KeyError) as caught:
        plan.count_households([Household("h-1", "nowhere")], {})
    frame = traceback.extract_tb(caught.value.__traceback__)[-1]
    assert frame.filename.startswith("<digitransform indicator plan ")
    assert "adult_smartphone_rate" in frame.filename
    assert frame.line == "c = counters[h.village]"
    assert frame.lineno is not None
    assert linecache.getline(frame.filename, frame.lineno).strip() == frame.line
    assert "c = counters[h.village]" in "".join(traceback.format_exception(caught.value))


def test_a_condition_that_fails_shows_the_condition() -> None:
    """A resident missing a field stops the loop on the line that tests it."""

    @attrs.frozen
    class Lacking:
        age: int

    plan = compile_plan((get("adult_smartphone_rate"),))
    household: Any = attrs.evolve(Household("h-1", "A"), members=[Lacking(40)])
    with pytest.raises(AttributeError) as caught:
        plan.count_households([household], {"A": [0] * plan.width})
    frame = traceback.extract_tb(caught.value.__traceback__)[-1]
    assert frame.line is not None and "smartphone" in frame.line
    assert frame.line in plan.source


def test_different_plans_have_different_file_names() -> None:
    """Two plans' sources are registered apart, each readable line by line."""
    one = compile_plan((get("adult_smartphone_rate"),))
    every = compile_plan(tuple(DEFAULT_REPORT))
    names = {one.count_households.__code__.co_filename, every.count_households.__code__.co_filename}
    assert len(names) == 2
    for plan in (one, every):
        filename = plan.count_households.__code__.co_filename
        assert "".join(linecache.getlines(filename)) == plan.source


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_comparison_value_that_is_not_a_number_is_refused(value: float) -> None:
    """nan and infinities are refused when the condition is written, naming the field."""
    with pytest.raises(ValueError, match=r"age >= \.\.\.: a comparison value must be a finite number"):
        Compare("age", ">=", value)


def test_a_comparison_value_of_the_wrong_shape_is_refused() -> None:
    """A list is no constant, and 'in' takes a frozenset."""
    with pytest.raises(ValueError, match="comparison value must be"):
        Compare("age", "==", [18])
    with pytest.raises(ValueError, match="'in' takes a frozenset"):
        Compare("age", "in", {18, 19})
    with pytest.raises(ValueError, match="finite number"):
        Compare("age", "in", frozenset({float("nan")}))


def test_a_nan_parameter_is_refused_when_the_definition_is_made() -> None:
    """A nan default or argument for a compared parameter fails at definition time, naming the indicator."""
    counting = PersonShare(Flag("smartphone"), Compare("age", ">=", Param("min_age")))
    with pytest.raises(ValueError, match=r"own_rate: .*finite number, got nan"):
        _definition(counting, Parameter("min_age", float("nan"), "lowest age"))
    definition = _definition(counting, Parameter("min_age", 15.0, "lowest age"))
    with pytest.raises(ValueError, match=r"min_age must be a finite number, got nan"):
        definition.with_parameters(min_age=float("nan"))
    plan = compile_plan((definition.with_parameters(min_age=17.5),))
    counters = {"A": [0] * plan.width}
    plan.count_households([Household("h-1", "A", members=[Resident(18, smartphone=True)])], counters)
    assert plan.readings[0].read(counters["A"], level=get("adult_smartphone_rate").lowest_level) == (1, 1)


def test_an_unknown_kind_of_counting_is_refused_by_name() -> None:
    """A counting class the plan has no rule for is named with the indicator's code."""

    class Survey(Counting):
        source = Source.HOUSEHOLDS

    with pytest.raises(TypeError, match="own_rate: unknown kind of counting Survey"):
        compile_plan((_definition(Survey()),))


def test_a_subclass_of_a_counting_is_read_by_its_parent_rule() -> None:
    """A project's refinement of PersonShare counts like PersonShare."""

    @attrs.frozen
    class AdultsOnly(PersonShare):
        pass

    plan = compile_plan((_definition(AdultsOnly(Flag("smartphone"), Compare("age", ">=", 18))),))
    counters = {"A": [0] * plan.width}
    households = [Household("h-1", "A", members=[Resident(40, smartphone=True), Resident(10)])]
    plan.count_households(households, counters)
    assert plan.readings[0].read(counters["A"], level=get("adult_smartphone_rate").lowest_level) == (1, 1)
