"""Every planted situation (docs/planted.md) is present in the 45-day demo slice, checked
from the CSV files themselves; planted.json only says where to look."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest

from extractors import contract

pytestmark = pytest.mark.slow  # generates its own demo datasets

PLANT_TZ = timezone(timedelta(hours=8))


@pytest.fixture(scope="module")
def con(demo_data: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for ent in contract.ENTITIES:
        if ent.name == "line_measures":
            continue
        con.execute(
            f"create view {ent.source}__{ent.name} as select * from read_csv("
            f"'{demo_data / ent.path}', header=true, all_varchar=true)"
        )
    return con


@pytest.fixture(scope="module")
def planted(demo_data: Path) -> dict:
    return json.loads((demo_data / "planted.json").read_text(encoding="utf-8"))


def _rows(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


def _lines(con: duckdb.DuckDBPyConnection, order: str) -> dict[int, tuple[float, bool]]:
    """Current (latest version) ordered quantity and cancelled flag per line."""
    rows = _rows(
        con,
        """select rowno::int, max_by(quantity::double, modifytime), max_by(closed, modifytime)
                         from erp__sale_order_lines where code = ? group by 1""",
        order,
    )
    return {r: (q, c == "true") for r, q, c in rows}


def _signed(con: duckdb.DuckDBPyConnection, order: str) -> dict[int, float]:
    return dict(
        _rows(
            con,
            "select so_rowno::int, sum(signed_qty::int) from wms__proofs_of_delivery "
            "where so_code = ? group by 1",
            order,
        )
    )


def _invoiced(con: duckdb.DuckDBPyConnection, order: str) -> dict[int, float]:
    return dict(
        _rows(
            con,
            "select sorowno::int, sum(quantity::double) from erp__sale_invoices "
            "where socode = ? group by 1",
            order,
        )
    )


def _local(ts: str) -> datetime:
    return datetime.fromisoformat(ts).astimezone(PLANT_TZ)


def test_planted_json_names_every_situation(planted: dict) -> None:
    assert planted["plant"] == "P01"
    for name in (
        "signed_not_invoiced",
        "invoiced_before_signed",
        "partial_delivery",
        "promise_change_customer",
        "promise_change_plant",
        "cancelled_line",
        "credit_note",
        "low_fpy_team",
        "machine_failures",
        "late_complaint",
        "midnight_before",
        "midnight_after",
        "past_due_undelivered",
        "deleted_opportunities",
        "grade_changes",
        "bad_week_storm",
    ):
        assert planted.get(name), name


def test_signed_but_not_invoiced(con: duckdb.DuckDBPyConnection, planted: dict) -> None:
    order = planted["signed_not_invoiced"]["order"]
    lines = _lines(con, order)
    signed = _signed(con, order)
    assert all(signed.get(r, 0) == q for r, (q, cancelled) in lines.items() if not cancelled)
    assert _invoiced(con, order) == {}


def test_invoiced_before_signed(con: duckdb.DuckDBPyConnection, planted: dict) -> None:
    order = planted["invoiced_before_signed"]["order"]
    invoiced_at = _rows(
        con, "select min(verify_time) from erp__sale_invoices where socode = ?", order
    )[0][0]
    signed_at = _rows(
        con, "select min(signed_at) from wms__proofs_of_delivery where so_code = ?", order
    )[0][0]
    assert datetime.fromisoformat(invoiced_at).replace(tzinfo=PLANT_TZ) < _local(signed_at)


def test_partial_delivery(con: duckdb.DuckDBPyConnection, planted: dict) -> None:
    entry = planted["partial_delivery"]
    order, rowno = entry["order"], entry["partial_rowno"]
    parts = _rows(
        con,
        """select sl.shipment_id, sl.qty::int, min(sh.shipped_at) from wms__shipment_lines as sl
                          join wms__shipments as sh on sh.shipment_id = sl.shipment_id
                          where sl.so_code = ? and sl.so_rowno::int = ? group by 1, 2 order by 3""",
        order,
        rowno,
    )
    ordered = _lines(con, order)[rowno][0]
    assert len(parts) >= 2
    assert parts[0][1] < ordered and sum(p[1] for p in parts) == ordered


@pytest.mark.parametrize("by", ["customer", "plant"])
def test_promise_changes_of_both_kinds(
    con: duckdb.DuckDBPyConnection, planted: dict, by: str
) -> None:
    order = planted[f"promise_change_{by}"]["order"]
    changes = _rows(
        con,
        """select old_value, new_value, requested_by, changed_at from erp__sale_order_changes
                            where code = ? and change_type = 'promise_date'""",
        order,
    )
    assert len(changes) == 1
    old, new, requested_by, changed_at = changes[0]
    assert requested_by == by and new > old
    versions = _rows(
        con,
        "select dpredatebt, modifytime from erp__sale_orders where code = ? order by modifytime",
        order,
    )
    assert versions[0][0] == old  # first committed date
    assert versions[-1][0] == new
    assert [v for v in versions if v[1] >= changed_at][0][0] == new  # the version the change wrote


def test_cancelled_line(con: duckdb.DuckDBPyConnection, planted: dict) -> None:
    entry = planted["cancelled_line"]
    order, rowno = entry["order"], entry["cancelled_rowno"]
    assert _lines(con, order)[rowno][1] is True
    assert (
        _rows(
            con,
            "select count(*) from erp__sale_order_changes where code = ? and rowno::int = ? "
            "and change_type = 'cancel'",
            order,
            rowno,
        )[0][0]
        == 1
    )
    assert rowno not in _signed(con, order)


def test_credit_note(con: duckdb.DuckDBPyConnection, planted: dict) -> None:
    order = planted["credit_note"]["order"]
    red = _rows(
        con,
        "select quantity::double, money::double from erp__sale_invoices "
        "where socode = ? and invoice_type = 'red'",
        order,
    )
    assert red and all(q < 0 and m < 0 for q, m in red)
    lines = _lines(con, order)
    invoiced = _invoiced(con, order)
    assert all(invoiced[r] == q for r, (q, _) in lines.items())  # re-invoiced: net = ordered


def test_team_first_pass_yield_under_threshold_two_consecutive_hours(
    con: duckdb.DuckDBPyConnection, planted: dict
) -> None:
    entry = planted["low_fpy_team"]
    hours = _rows(
        con,
        """select hour_start, sum(good_qty::int) / sum(produced_qty::int) from mes__production_counts
                          where team_code = ? and hour_start like ? group by 1 order by 1""",
        entry["team"],
        entry["date"] + "%",
    )
    fpy = {h[11:16]: v for h, v in hours}
    assert all(fpy[h] < entry["threshold"] for h in entry["hours"])
    first, second = (datetime.strptime(h, "%H:%M") for h in entry["hours"])
    assert second - first == timedelta(hours=1)
    # The same from QMS first inspections (good at first inspection ÷ first-inspected).
    qms = _rows(
        con,
        """select sum(passed_qty::int) / sum(inspected_qty::int) from qms__inspections
                        where team_code = ? and inspection_type = 'first' and inspected_at like ?""",
        entry["team"],
        f"{entry['date']}T{entry['hours'][0][:2]}%",
    )
    assert qms[0][0] < entry["threshold"]


def test_machine_fails_three_or_more_times_in_a_day(
    con: duckdb.DuckDBPyConnection, planted: dict
) -> None:
    entry = planted["machine_failures"]
    downs = _rows(
        con,
        """select timestamp from mes__machine_states
                          where mtconnect_uuid = ? and state = 'unplanned_down'""",
        entry["mtconnect_uuid"],
    )
    on_day = [
        t for (t,) in downs if _local(t.replace("Z", "+00:00")).date().isoformat() == entry["date"]
    ]
    assert len(on_day) >= 3
    uuid = _rows(
        con,
        "select mtconnect_uuid from mes__equipment where equipment_id = ?",
        entry["equipment_id"],
    )
    assert uuid[0][0] == entry["mtconnect_uuid"]


def test_escalated_complaint_answered_late(con: duckdb.DuckDBPyConnection, planted: dict) -> None:
    entry = planted["late_complaint"]
    case = _rows(
        con,
        """select min(CreatedDate), bool_or(IsEscalated = 'true'), any_value(Type),
                                any_value(Order_No__c), any_value(Product_Line__c), any_value(AccountId)
                         from crm__cases where CaseNumber = ?""",
        entry["case_number"],
    )[0]
    created, escalated, kind, order, line, account = case
    assert escalated and kind == "Complaint"
    created_at = datetime.fromisoformat(created.replace("+0000", "+00:00"))
    customer = _rows(
        con, "select any_value(AccountNumber) from crm__accounts where Id = ?", account
    )[0][0]
    actions = [
        datetime.fromisoformat(t).replace(tzinfo=PLANT_TZ)
        for (t,) in _rows(
            con,
            """select createTime from oa__workflow_requests
                                  where related_case = ? or related_order = ? or related_customer = ?""",
            entry["case_number"],
            order,
            customer,
        )
    ] + [
        datetime.fromisoformat(t)
        for (t,) in _rows(
            con,
            "select changed_at from mes__parameter_changes where related_case = ? or line_code = ?",
            entry["case_number"],
            line,
        )
    ]
    first = min(a for a in actions if a > created_at)
    assert (first - created_at) > timedelta(hours=72)
    assert (first - created_at) == timedelta(hours=entry["response_hours"])


@pytest.mark.parametrize(
    ("name", "after_midnight"), [("midnight_before", False), ("midnight_after", True)]
)
def test_deliveries_signed_around_local_midnight(
    con: duckdb.DuckDBPyConnection, planted: dict, name: str, after_midnight: bool
) -> None:
    entry = planted[name]
    signed = _rows(
        con,
        "select distinct signed_at from wms__proofs_of_delivery where so_code = ?",
        entry["order"],
    )
    assert len(signed) == 1
    local = _local(signed[0][0])
    utc = local.astimezone(UTC)
    midnight = datetime.combine(
        local.date() + timedelta(days=0 if after_midnight else 1), datetime.min.time(), PLANT_TZ
    )
    assert abs(local - midnight) <= timedelta(minutes=10)
    promised = entry["promised_date"]
    if after_midnight:
        assert local.date().isoformat() > promised  # late by plant date …
        assert utc.date().isoformat() == promised  # … on time by a naive UTC reading
    else:
        assert local.date().isoformat() == promised
    invoiced = _rows(
        con, "select max(verify_time) from erp__sale_invoices where socode = ?", entry["order"]
    )[0][0]
    assert (
        datetime.fromisoformat(invoiced).replace(tzinfo=PLANT_TZ) < local
    )  # POD decides delivered_at


def test_past_due_undelivered_order(con: duckdb.DuckDBPyConnection, planted: dict) -> None:
    order = planted["past_due_undelivered"]["order"]
    promised = _rows(
        con, "select max_by(dpredatebt, modifytime) from erp__sale_orders where code = ?", order
    )[0][0]
    assert promised < "2026-01-31"  # past due in any slice of 30 days or more
    assert _signed(con, order) == {}
    assert _rows(con, "select count(*) from wms__shipments where so_code = ?", order)[0][0] == 0
    assert not any(cancelled for _, cancelled in _lines(con, order).values())


def test_deleted_opportunities_and_regraded_customers(
    con: duckdb.DuckDBPyConnection, planted: dict
) -> None:
    for opp in planted["deleted_opportunities"]:
        flags = [
            r[0]
            for r in _rows(
                con,
                "select IsDeleted from crm__opportunities where Id = ? order by SystemModstamp",
                opp,
            )
        ]
        assert flags == ["false", "true"]
    for change in planted["grade_changes"][:2]:
        grades = [
            r[0]
            for r in _rows(
                con,
                "select Grade__c from crm__accounts where AccountNumber = ? "
                "order by SystemModstamp",
                change["customer"],
            )
        ]
        assert grades[-2:] == [change["old_grade"], change["new_grade"]]


def test_situations_also_occur_naturally(con: duckdb.DuckDBPyConnection) -> None:
    """Without planted.json: the generator's own processes produce the same kinds of cases."""
    partial_lines = _rows(
        con,
        """select count(*) from (select so_code, so_rowno from wms__shipment_lines
                                  group by all having count(distinct shipment_id) > 1)""",
    )[0][0]
    failing_days = _rows(
        con,
        """select count(*) from (select mtconnect_uuid, left(timestamp, 10)
                                 from mes__machine_states where state = 'unplanned_down'
                                 group by all having count(*) >= 3)""",
    )[0][0]
    changes = dict(
        _rows(
            con,
            """select requested_by, count(*) from erp__sale_order_changes
                                 where change_type = 'promise_date' group by 1""",
        )
    )
    assert partial_lines >= 5 and failing_days >= 2
    assert changes.get("customer", 0) >= 3 and changes.get("plant", 0) >= 3
