"""Yonyou U8+ OpenAPI as docs/sources/erp.md documents it, over real HTTP."""

from __future__ import annotations

import math
from datetime import datetime

from tests.simulator.conftest import DEMO, erp_params, erp_token
from tests.simulator.handmade import TZ, Handmade, end_of_day, parse

LIST = "/api/{name}list/batch_get"


def _get(http, sim, name: str, **params):  # type: ignore[no-untyped-def]
    return http.get(sim.url("erp") + LIST.format(name=name), params=params).json()


def _walk(http, sim, name: str, token: str, rows: int, **filters) -> list[dict]:  # type: ignore[no-untyped-def]
    records, page_index, page_count = [], 1, 1
    while page_index <= page_count:
        body = _get(
            http,
            sim,
            name,
            **erp_params(token, page_index=page_index, rows_per_page=rows, **filters),
        )
        assert body["errcode"] == "0", body
        assert body["page_index"] == page_index and body["rows_per_page"] == rows
        page_count = body["page_count"]
        assert page_count == math.ceil(body["row_count"] / rows)
        records.extend(body[f"{name}list"])
        page_index += 1
    return records


def test_token_envelope(http, sim) -> None:  # type: ignore[no-untyped-def]
    body = http.get(
        sim.url("erp") + "/system/token",
        params={
            "from_account": DEMO.erp_from_account,
            "app_key": DEMO.erp_app_key,
            "app_secret": DEMO.erp_app_secret,
        },
    ).json()
    assert body["errcode"] == "0" and body["errmsg"] == ""
    assert body["token"]["appkey"] == DEMO.erp_app_key and body["token"]["expiresIn"] == 7200


def test_wrong_app_secret_is_http_200_with_an_errcode(http, sim) -> None:  # type: ignore[no-untyped-def]
    response = http.get(
        sim.url("erp") + "/system/token",
        params={
            "from_account": DEMO.erp_from_account,
            "app_key": DEMO.erp_app_key,
            "app_secret": "x",
        },
    )
    assert response.status_code == 200 and response.json()["errcode"] not in ("0", 0)


def test_an_invalid_token_names_the_token(http, sim) -> None:  # type: ignore[no-untyped-def]
    response = http.get(sim.url("erp") + LIST.format(name="customer"), params=erp_params("stale"))
    body = response.json()
    assert response.status_code == 200 and body["errcode"] != "0"
    assert "令牌" in body["errmsg"] and "token" in body["errmsg"]


def test_paging_visits_every_customer_once(http, sim, handmade: Handmade) -> None:  # type: ignore[no-untyped-def]
    token = erp_token(http, sim)
    records = _walk(http, sim, "customer", token, rows=20)
    expected = handmade.current("erp", "customers")
    assert len(expected) > 40
    assert [r["code"] for r in records] == [r["code"] for r in expected]
    assert [r["name"] for r in records] == [r["name"] for r in expected]
    beyond = _get(http, sim, "customer", **erp_params(token, page_index=99, rows_per_page=20))
    assert beyond["errcode"] == "0" and beyond["customerlist"] == []


def test_timestamp_window_is_inclusive_on_modifytime(http, sim, handmade: Handmade) -> None:  # type: ignore[no-untyped-def]
    token = erp_token(http, sim)
    begin, end = "2026-03-03 08:00:00", "2026-03-06 20:00:00"
    records = _walk(http, sim, "customer", token, rows=7, timestamp_begin=begin, timestamp_end=end)
    expected = handmade.current(
        "erp",
        "customers",
        since=parse(begin, "ts_local"),
        until=parse(end, "ts_local"),
        since_inclusive=True,
    )
    assert expected and [r["code"] for r in records] == [r["code"] for r in expected]
    assert all(begin <= r["modifytime"] <= end for r in records)


def test_sale_orders_nest_their_current_lines_as_entry(http, sim, handmade: Handmade) -> None:  # type: ignore[no-untyped-def]
    token = erp_token(http, sim)
    orders = {r["code"]: r for r in _walk(http, sim, "saleorder", token, rows=2)}
    headers = handmade.current("erp", "sale_orders")
    lines = handmade.current("erp", "sale_order_lines")
    assert set(orders) == {h["code"] for h in headers}
    for code, order in orders.items():
        expected = sorted(
            (line for line in lines if line["code"] == code), key=lambda x: int(x["rowno"])
        )
        assert [(e["rowno"], e["inventory_code"]) for e in order["entry"]] == [
            (int(x["rowno"]), x["inventory_code"]) for x in expected
        ]
    # SO00000 changed only through line 2: the voucher's modifytime is that line's.
    line_two = next(x for x in lines if x["code"] == "SO00000" and x["rowno"] == "2")
    assert orders["SO00000"]["modifytime"] == line_two["modifytime"]
    header = next(h for h in headers if h["code"] == "SO00000")
    assert header["modifytime"] < line_two["modifytime"]


def test_a_line_only_change_surfaces_its_order_in_the_window(http, sim, handmade: Handmade) -> None:  # type: ignore[no-untyped-def]
    token = erp_token(http, sim)
    line_two = next(
        x
        for x in handmade.current("erp", "sale_order_lines")
        if x["code"] == "SO00000" and x["rowno"] == "2"
    )
    moment = line_two["modifytime"]
    records = _walk(
        http, sim, "saleorder", token, rows=20, timestamp_begin=moment, timestamp_end=moment
    )
    assert "SO00000" in [r["code"] for r in records]


def test_as_of_hides_future_orders_and_lines(http, sim, handmade: Handmade) -> None:  # type: ignore[no-untyped-def]
    token = erp_token(http, sim)
    served = {r["code"] for r in _walk(http, sim, "saleorder", token, rows=20)}
    assert "SO00005" not in served  # created after the last day
    sim.set_as_of(datetime(2026, 3, 12, 23, 0))
    later = {r["code"]: r for r in _walk(http, sim, "saleorder", token, rows=20)}
    assert "SO00005" in later and len(later["SO00005"]["entry"]) == 2
    as_of = end_of_day(datetime(2026, 3, 12, tzinfo=TZ).date())
    assert set(later) == {h["code"] for h in handmade.current("erp", "sale_orders", as_of=as_of)}


def test_date_filter_and_bad_parameters(http, sim, handmade: Handmade) -> None:  # type: ignore[no-untyped-def]
    token = erp_token(http, sim)
    records = _walk(
        http, sim, "saleinvoice", token, rows=50, date_begin="2026-03-02", date_end="2026-03-04"
    )
    expected = [
        r
        for r in handmade.current("erp", "sale_invoices")
        if "2026-03-02" <= r["date"] <= "2026-03-04"
    ]
    assert sorted((r["code"], r["rowno"]) for r in records) == sorted(
        (r["code"], int(r["rowno"])) for r in expected
    )
    bad = _get(http, sim, "customer", **erp_params(token, page_index="x"))
    assert bad["errcode"] != "0" and "page_index" in bad["errmsg"]
    unknown = _get(http, sim, "nothing", **erp_params(token))
    assert unknown["errcode"] != "0"


def test_every_list_api_answers(http, sim, handmade: Handmade) -> None:  # type: ignore[no-untyped-def]
    token = erp_token(http, sim)
    names = {
        "customer": "customers",
        "inventory": "inventories",
        "saleorderchange": "sale_order_changes",
        "purchaseorder": "purchase_orders",
        "productionorder": "production_orders",
        "consignment": "consignments",
        "saleinvoice": "sale_invoices",
        "receive": "receipts",
    }
    for api, entity_name in names.items():
        records = _walk(http, sim, api, token, rows=5)
        assert len(records) == len(handmade.current("erp", entity_name)), api
