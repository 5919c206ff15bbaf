"""The regions API: lookups by code and year, search, children, ancestors, and their CSV twins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from citybase.storage import Database
from tests.factories import SHENZHEN_DISTRICTS, as_csv_cells, csv_rows, ledger_size

Auth = Callable[..., dict[str, str]]
REGION_COLUMNS = ["code", "name", "level", "parent_code", "valid_from", "valid_to", "current"]


@pytest.fixture
def viewer(auth: Auth) -> dict[str, str]:
    return auth("finance_viewer")


def _get(client: TestClient, headers: dict[str, str], path: str, **params: Any) -> Any:
    response = client.get(f"/api/v1{path}", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _assert_csv_twin(client: TestClient, headers: dict[str, str], path: str, **params: Any) -> list[Any]:
    """The CSV download has the documented header and exactly the JSON rows, in the same order."""
    items: list[Any] = _get(client, headers, path, **params)
    response = client.get(f"/api/v1{path}", params={**params, "format": "csv"}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    header, rows = csv_rows(response.content)
    assert header == REGION_COLUMNS
    assert rows == [as_csv_cells(item, REGION_COLUMNS) for item in items]
    assert items, "a twin of an empty list proves little"
    return items


def test_region_detail(client: TestClient, viewer: dict[str, str]) -> None:
    body = _get(client, viewer, "/regions/440305")
    assert (body["name"], body["level"], body["current"], body["valid_to"]) == (
        "南山区",
        "county",
        True,
        None,
    )
    assert [item["code"] for item in body["ancestors"]] == ["100000", "440000", "440300"]
    assert body["children_count"] == 9  # the demo city's streets
    assert [version["name"] for version in body["versions"]] == ["南山区"]
    assert body["changes"] == []


def test_region_detail_lists_recorded_changes(client: TestClient, viewer: dict[str, str]) -> None:
    body = _get(client, viewer, "/regions/440306")
    assert [(change["year"], change["kind"], change["new_code"]) for change in body["changes"]] == [
        (2016, "split", "440309"),
        (2018, "split", "440311"),
    ]


def test_retired_region_stays_readable(client: TestClient, viewer: dict[str, str]) -> None:
    body = _get(client, viewer, "/regions/110103")
    assert (body["name"], body["current"], body["valid_to"]) == ("崇文区", False, 2009)
    assert _get(client, viewer, "/regions/110103", year=2005)["name"] == "崇文区"
    assert body["changes"][0]["new_code"] == "110101"


def test_region_in_a_year_it_was_not_in_use_is_404(client: TestClient, viewer: dict[str, str]) -> None:
    response = client.get("/api/v1/regions/110103", params={"year": 2012}, headers=viewer)
    assert response.status_code == 404
    body = response.json()
    assert "110103" in body["detail"]
    assert "2012" in body["detail"]
    assert "110103" in body["detail_zh"]
    assert body["code"] == "not_found"


# Read-only cases share one fresh database per test, each reported as a subtest.


def test_malformed_code_is_422_naming_it(
    client: TestClient, viewer: dict[str, str], subtests: pytest.Subtests
) -> None:
    for code, path in [("44030X", ""), ("4403", "/children"), ("440305001x", "/ancestors")]:
        with subtests.test(code=code, path=path):
            response = client.get(f"/api/v1/regions/{code}{path}", headers=viewer)
            assert response.status_code == 422
            assert f"'{code}'" in response.json()["detail"]
            assert code in response.json()["detail_zh"]


def test_unknown_code_is_404(client: TestClient, viewer: dict[str, str], subtests: pytest.Subtests) -> None:
    for path in ["/regions/449999", "/regions/449999/children", "/regions/449999/ancestors"]:
        with subtests.test(path=path):
            response = client.get(f"/api/v1{path}", headers=viewer)
            assert response.status_code == 404
            assert "449999" in response.json()["detail"]


BAD_QUERIES: list[tuple[str, dict[str, Any], str]] = [
    ("/regions/440305", {"year": 1800}, "query.year"),
    ("/regions", {"level": "village"}, "query.level"),
    ("/regions", {"q": "南山", "limit": 0}, "query.limit"),
    ("/regions", {"q": "南山", "format": "xml"}, "query.format"),
    ("/regions/440305/children", {"year": "soon"}, "query.year"),
]


def test_bad_query_parameters_are_422_naming_them(
    client: TestClient, viewer: dict[str, str], subtests: pytest.Subtests
) -> None:
    for path, params, field in BAD_QUERIES:
        with subtests.test(path=path, params=params):
            response = client.get(f"/api/v1{path}", params=params, headers=viewer)
            assert response.status_code == 422
            body = response.json()
            assert [problem["column"] for problem in body["problems"]] == [field]
            assert field in body["detail"]


def test_search_puts_the_home_district_first(client: TestClient, viewer: dict[str, str]) -> None:
    matches = _get(client, viewer, "/regions", q="南山")
    assert (matches[0]["code"], matches[0]["match"], matches[0]["score"]) == ("440305", "short", 97.0)
    assert _get(client, viewer, "/regions", q="广东省深圳市南山区")[0]["code"] == "440305"
    assert _get(client, viewer, "/regions", q="南山去")[0]["code"] == "440305"


def test_search_by_code_prefix_and_limit(client: TestClient, viewer: dict[str, str]) -> None:
    matches = _get(client, viewer, "/regions", q="4403", limit=3)
    assert [match["code"] for match in matches] == ["440300", "440303", "440304"]


def test_search_for_a_year(client: TestClient, viewer: dict[str, str]) -> None:
    assert _get(client, viewer, "/regions", q="崇文区", year=2005)[0]["code"] == "110103"
    assert "110103" not in {
        match["code"] for match in _get(client, viewer, "/regions", q="崇文区", year=2015)
    }


def test_search_has_a_csv_twin(client: TestClient, viewer: dict[str, str]) -> None:
    _assert_csv_twin(client, viewer, "/regions", q="南山")


def test_children_of_a_parent(client: TestClient, viewer: dict[str, str]) -> None:
    items = _assert_csv_twin(client, viewer, "/regions", parent="440300")
    assert [item["code"] for item in items] == sorted(SHENZHEN_DISTRICTS)
    older = _get(client, viewer, "/regions", parent="440300", year=2015)
    assert {item["code"] for item in older} == set(SHENZHEN_DISTRICTS) - {"440309", "440310", "440311"}


def test_regions_at_a_level(client: TestClient, viewer: dict[str, str]) -> None:
    items = _assert_csv_twin(client, viewer, "/regions", level="province")
    assert len(items) == 31
    assert all(item["level"] == "province" for item in items)


def test_without_parameters_the_root_is_listed(client: TestClient, viewer: dict[str, str]) -> None:
    assert [item["code"] for item in _get(client, viewer, "/regions")] == ["100000"]


def test_children_endpoint_and_its_twin(client: TestClient, viewer: dict[str, str]) -> None:
    items = _assert_csv_twin(client, viewer, "/regions/440305/children")
    assert len(items) == 9
    assert all(item["level"] == "township" and item["parent_code"] == "440305" for item in items)


def test_csv_with_a_byte_order_mark_for_excel(client: TestClient, viewer: dict[str, str]) -> None:
    response = client.get(
        "/api/v1/regions/440305/children", params={"format": "csv", "bom": True}, headers=viewer
    )
    assert response.content.startswith("\ufeff".encode())
    plain = client.get("/api/v1/regions/440305/children", params={"format": "csv"}, headers=viewer)
    assert not plain.content.startswith("\ufeff".encode())
    assert response.content.decode("utf-8-sig") == plain.content.decode("utf-8")
    assert "南头街道" in plain.content.decode("utf-8")


def test_ancestors_endpoint(client: TestClient, viewer: dict[str, str]) -> None:
    items = _get(client, viewer, "/regions/440305002/ancestors")
    assert [item["code"] for item in items] == ["100000", "440000", "440300", "440305"]
    old = _get(client, viewer, "/regions/371202/ancestors", year=2010)
    assert [item["name"] for item in old][-1] == "莱芜市"


def test_full_width_code_in_the_path(client: TestClient, viewer: dict[str, str]) -> None:
    assert _get(client, viewer, "/regions/４４０３０５")["code"] == "440305"


def test_reading_regions_writes_nothing(client: TestClient, viewer: dict[str, str], db: Database) -> None:
    before = ledger_size(db)
    _get(client, viewer, "/regions", q="南山")
    _get(client, viewer, "/regions/440305")
    client.get("/api/v1/regions/449999", headers=viewer)
    assert ledger_size(db) == before


def test_regions_need_authentication(client: TestClient, subtests: pytest.Subtests) -> None:
    for path in ["/regions", "/regions/440305", "/regions/440305/children", "/regions/440305/ancestors"]:
        with subtests.test(path=path):
            response = client.get(f"/api/v1{path}")
            assert response.status_code == 401
            assert response.json()["code"] == "authentication_failed"
