"""The demo factory generator: format, determinism, integrity, consistency, volumes.

Most tests read the session's 45-day ``demo_data`` slice (tests/conftest.py) with DuckDB;
every expectation is written so it can be checked by hand against the CSV files.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from extractors import contract
from simulator.generator import generate

pytestmark = pytest.mark.slow  # generates its own demo datasets


def _con(root: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for ent in contract.ENTITIES:
        con.execute(
            f"create view {ent.source}__{ent.name} as select * from read_csv("
            f"'{root / ent.path}', header=true, all_varchar=true, quote='\"', escape='\"')"
        )
    return con


@pytest.fixture(scope="module")
def con(demo_data: Path) -> duckdb.DuckDBPyConnection:
    return _con(demo_data)


def _one(con: duckdb.DuckDBPyConnection, sql: str):  # type: ignore[no-untyped-def]
    return con.execute(sql).fetchone()[0]


# ------------------------------------------------------------------------- format


def test_every_entity_file_has_the_schema_columns_in_order(demo_data: Path) -> None:
    for ent in contract.ENTITIES:
        with (demo_data / ent.path).open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle))
        assert header == ent.columns, ent.path


def test_manifest_describes_the_dataset(demo_data: Path) -> None:
    manifest = json.loads((demo_data / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["start"] == "2026-01-01" and manifest["end"] == "2026-02-14"
    assert manifest["days"] == 45 and manifest["seed"] == 7 and manifest["scale"] == "s"
    assert manifest["time_zone"] == "Asia/Shanghai"
    assert [p["code"] for p in manifest["plants"]] == ["P01"]
    for ent in contract.ENTITIES:
        with (demo_data / ent.path).open(encoding="utf-8") as handle:
            lines = sum(1 for _ in handle) - 1
        assert manifest["row_counts"][ent.path] == lines, ent.path
    assert sorted(manifest["excel"]) == sorted(p.name for p in (demo_data / "excel").glob("*.xlsx"))


def test_keys_are_unique_per_version(con: duckdb.DuckDBPyConnection) -> None:
    for ent in contract.ENTITIES:
        cols = ", ".join(dict.fromkeys([*ent.key, ent.modstamp]))
        view = f"{ent.source}__{ent.name}"
        dupes = _one(
            con,
            f"select count(*) from (select {cols} from {view} group by all having count(*) > 1)",
        )
        assert dupes == 0, f"{ent.path}: {dupes} duplicated key+modstamp"


def test_versions_of_a_record_are_written_in_modstamp_order(demo_data: Path) -> None:
    for ent in contract.ENTITIES:
        if ent.name in ("line_measures", "machine_states", "attendance"):
            continue  # one version per record (machine states are keyed by their timestamp)
        last: dict[tuple[str, ...], str] = {}
        with (demo_data / ent.path).open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            for row in reader:
                key = tuple(row[k] for k in ent.key)
                stamp = row[ent.modstamp]
                assert stamp >= last.get(key, ""), f"{ent.path} {key}: {stamp} after {last[key]}"
                last[key] = stamp


def test_timestamps_are_spelled_per_source(con: duckdb.DuckDBPyConnection) -> None:
    patterns = {
        "ts_utc": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.000\+0000|Z)$",
        "ts_local": r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$",
        "ts_offset": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$",
        "date": r"^\d{4}-\d\d-\d\d$",
        "bool": r"^(true|false)$",
        "int": r"^-?\d+$",
        "dec": r"^-?\d+(\.\d+)?$",
    }
    for ent in contract.ENTITIES:
        if ent.name == "line_measures":
            continue  # same writer as the other QMS streams, checked on a sample below
        view = f"{ent.source}__{ent.name}"
        for f in ent.fields:
            if f.type not in patterns:
                continue
            bad = _one(
                con,
                f'select count(*) from {view} where "{f.name}" is not null '
                f"and not regexp_matches(\"{f.name}\", '{patterns[f.type]}')",
            )
            assert bad == 0, f"{ent.path}.{f.name} ({f.type}): {bad} badly spelled"
    sample = con.execute("select measured_at, value from qms__line_measures limit 1000").fetchall()
    assert all(len(m) == 25 and m.endswith("+08:00") and "." in v for m, v in sample)


# ------------------------------------------------------------------------- determinism


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_arguments_give_byte_identical_files_and_another_seed_does_not(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(a, scale="s", seed=11, start=date(2026, 3, 2), days=3, progress=False)
    generate(b, scale="s", seed=11, start=date(2026, 3, 2), days=3, progress=False)
    generate(c, scale="s", seed=12, start=date(2026, 3, 2), days=3, progress=False)
    fa, fb, fc = _files(a), _files(b), _files(c)
    assert fa.keys() == fb.keys()
    assert any(name.endswith(".xlsx") for name in fa)
    for name in fa:
        assert fa[name] == fb[name], f"{name} differs between two identical runs"
    assert fa["hr/employees.csv"] != fc["hr/employees.csv"]
    assert fa["qms/line_measures.csv"] != fc["qms/line_measures.csv"]


def test_rejects_unknown_scale(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="scale"):
        generate(tmp_path, scale="xl", progress=False)


# ------------------------------------------------------------------------- integrity


@pytest.mark.parametrize(
    ("child", "parent"),
    [
        ("select distinct code from erp__sale_order_lines", "select code from erp__sale_orders"),
        ("select distinct socode from erp__sale_invoices", "select code from erp__sale_orders"),
        ("select distinct socode from erp__consignments", "select code from erp__sale_orders"),
        ("select distinct so_code from wms__shipments", "select code from erp__sale_orders"),
        (
            "select distinct shipment_id from wms__proofs_of_delivery",
            "select shipment_id from wms__shipments",
        ),
        (
            "select distinct shipment_id from wms__shipment_lines",
            "select shipment_id from wms__shipments",
        ),
        (
            "select distinct consignment_code from wms__shipments",
            "select code from erp__consignments",
        ),
        (
            "select distinct equipment_id from mes__production_counts",
            "select equipment_id from mes__equipment",
        ),
        (
            "select distinct mtconnect_uuid from mes__machine_states",
            "select mtconnect_uuid from mes__equipment",
        ),
        (
            "select distinct production_order from mes__production_counts",
            "select code from erp__production_orders",
        ),
        (
            "select distinct team_code from mes__production_counts",
            "select team_code from hr__teams",
        ),
        (
            "select distinct team_code from hr__employees where team_code is not null",
            "select team_code from hr__teams",
        ),
        (
            "select distinct employee_no from hr__attendance",
            "select employee_no from hr__employees",
        ),
        (
            "select distinct operator_no from mes__production_counts",
            "select employee_no from hr__employees",
        ),
        (
            "select distinct inspection_id from qms__defects",
            "select inspection_id from qms__inspections",
        ),
        ("select distinct defect_id from qms__rework_orders", "select defect_id from qms__defects"),
        ("select distinct custcode from erp__sale_orders", "select code from erp__customers"),
        (
            "select distinct inventory_code from erp__sale_order_lines",
            "select code from erp__inventories",
        ),
        ("select distinct AccountId from crm__opportunities", "select Id from crm__accounts"),
        (
            "select distinct ERP_Order_No__c from crm__contracts where ERP_Order_No__c is not null",
            "select code from erp__sale_orders",
        ),
        (
            "select distinct contract_no from erp__sale_orders",
            "select ContractNumber from crm__contracts",
        ),
        (
            "select distinct requestId from oa__workflow_logs",
            "select requestId from oa__workflow_requests",
        ),
        (
            "select distinct related_case from oa__workflow_requests where related_case is not null",
            "select CaseNumber from crm__cases",
        ),
        (
            "select distinct sf_user_id from hr__employees where sf_user_id is not null",
            "select Id from crm__users",
        ),
        ("select distinct EmployeeNumber from crm__users", "select employee_no from hr__employees"),
        (
            "select distinct manager_no from hr__employees where manager_no is not null",
            "select employee_no from hr__employees",
        ),
    ],
)
def test_references_resolve(con: duckdb.DuckDBPyConnection, child: str, parent: str) -> None:
    orphans = con.execute(f"select * from ({child}) except ({parent})").fetchall()
    assert orphans == [], f"{len(orphans)} orphans, e.g. {orphans[:3]}"


# ------------------------------------------------------------------------- consistency

_LINE_TOTALS = """
with cur as (
    select code, rowno::int as rowno, max_by(quantity::decimal(18, 2), modifytime) as ordered
    from erp__sale_order_lines group by all
), shipped as (
    select so_code as code, so_rowno::int as rowno, sum(qty::int) as q from wms__shipment_lines group by all
), signed as (
    select so_code as code, so_rowno::int as rowno, sum(signed_qty::int) as q from wms__proofs_of_delivery group by all
), invoiced as (
    select socode as code, sorowno::int as rowno, sum(quantity::decimal(18, 2)) as q from erp__sale_invoices group by all
)
select cur.code, cur.rowno, cur.ordered, coalesce(shipped.q, 0) as shipped,
       coalesce(signed.q, 0) as signed, coalesce(invoiced.q, 0) as invoiced
from cur
left join shipped on shipped.code = cur.code and shipped.rowno = cur.rowno
left join signed on signed.code = cur.code and signed.rowno = cur.rowno
left join invoiced on invoiced.code = cur.code and invoiced.rowno = cur.rowno
"""


def test_signed_le_shipped_le_ordered_and_invoiced_le_ordered(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = con.execute(_LINE_TOTALS).fetchall()
    assert len(rows) > 300
    for code, rowno, ordered, shipped, signed, invoiced in rows:
        assert signed <= shipped <= ordered, (code, rowno, ordered, shipped, signed)
        assert 0 <= invoiced <= ordered, (code, rowno, ordered, invoiced)
    fully = sum(1 for r in rows if r[4] == r[2] and r[5] == r[2])
    assert fully > len(rows) * 0.5  # most lines of a 45-day book are delivered and invoiced


def test_cancelled_lines_ship_nothing(con: duckdb.DuckDBPyConnection) -> None:
    shipped = _one(
        con,
        """
        with closed as (select code, rowno::int as rowno from erp__sale_order_lines where closed = 'true')
        select count(*) from wms__shipment_lines as sl
        join closed on closed.code = sl.so_code and closed.rowno = sl.so_rowno::int""",
    )
    assert shipped == 0


def test_pod_is_signed_after_shipping(con: duckdb.DuckDBPyConnection) -> None:
    early = _one(
        con,
        """
        select count(*) from wms__proofs_of_delivery as pod
        join wms__shipments as sh on sh.shipment_id = pod.shipment_id and sh.status = 'shipped'
        where pod.signed_at::timestamptz <= sh.shipped_at::timestamptz""",
    )
    assert early == 0


def test_production_never_exceeds_run_time_over_ideal_cycle(con: duckdb.DuckDBPyConnection) -> None:
    # Running seconds per machine and clock hour from the state changes, then produced × ideal
    # cycle must fit in them (ISO 22400 performance ≤ 1).
    over = con.execute("""
        with s as (
            select mtconnect_uuid, timestamp::timestamptz as t0, state,
                   lead(timestamp::timestamptz) over (partition by mtconnect_uuid order by timestamp) as t1
            from mes__machine_states
        ), hours as (
            select mtconnect_uuid, state, t0, t1,
                   unnest(generate_series(date_trunc('hour', t0), t1, interval 1 hour)) as h
            from s where t1 is not null and state = 'running'
        ), run as (
            select mtconnect_uuid, h,
                   sum(epoch(least(t1, h + interval 1 hour)) - epoch(greatest(t0, h))) as run_s
            from hours where least(t1, h + interval 1 hour) > greatest(t0, h) group by all
        )
        select count(*) from mes__production_counts as pc
        join mes__equipment as eq on eq.equipment_id = pc.equipment_id
        join mes__routings as r on r.product_code = pc.product_code and r.line_code = eq.line_code
        left join run on run.mtconnect_uuid = eq.mtconnect_uuid and run.h = pc.hour_start::timestamptz
        where pc.hour_start::timestamptz < (select max(timestamp::timestamptz) from mes__machine_states)
          and pc.produced_qty::int * r.ideal_cycle_seconds::double > coalesce(run.run_s, 0) + 1
    """).fetchone()[0]
    assert over == 0


def test_unplanned_downtime_costs_output(con: duckdb.DuckDBPyConnection) -> None:
    # Machine-hours that contain an unplanned stop produce less than the clean ones.
    dirty, clean = con.execute("""
        with downs as (
            select distinct mtconnect_uuid, date_trunc('hour', timestamp::timestamptz) as h
            from mes__machine_states where state = 'unplanned_down'
        )
        select avg(pc.produced_qty::int) filter (where downs.h is not null),
               avg(pc.produced_qty::int) filter (where downs.h is null)
        from mes__production_counts as pc
        join mes__equipment as eq on eq.equipment_id = pc.equipment_id
        left join downs on downs.mtconnect_uuid = eq.mtconnect_uuid and downs.h = pc.hour_start::timestamptz
    """).fetchone()
    assert dirty < clean * 0.85


def test_first_inspections_mirror_hourly_counts(con: duckdb.DuckDBPyConnection) -> None:
    mismatched = _one(
        con,
        """
        with c as (
            select team_code, hour_start::timestamptz as h, sum(produced_qty::int) as p, sum(good_qty::int) as g
            from mes__production_counts group by all
        ), i as (
            select team_code, date_trunc('hour', inspected_at::timestamptz) as h,
                   sum(inspected_qty::int) as p, sum(passed_qty::int) as g
            from qms__inspections where inspection_type = 'first' group by all
        )
        select count(*) from c full join i on i.team_code = c.team_code and i.h = c.h
        where c.p is distinct from i.p or c.g is distinct from i.g""",
    )
    assert mismatched == 0


def test_defects_account_for_every_failed_unit(con: duckdb.DuckDBPyConnection) -> None:
    off = _one(
        con,
        """
        with d as (select inspection_id, sum(qty::int) as q from qms__defects group by 1)
        select count(*) from qms__inspections as i left join d on d.inspection_id = i.inspection_id
        where i.inspection_type = 'first' and coalesce(d.q, 0) <> i.inspected_qty::int - i.passed_qty::int""",
    )
    assert off == 0


def test_attendance_follows_the_shift_schedule(con: duckdb.DuckDBPyConnection) -> None:
    off_roster = _one(
        con,
        """
        with emp as (select employee_no, max_by(team_code, updated_at) as team_code from hr__employees group by 1)
        select count(*) from hr__attendance as a
        join emp on emp.employee_no = a.employee_no and emp.team_code is not null
        join hr__employees as e on e.employee_no = a.employee_no
        left join hr__shift_schedules as s on s.team_code = emp.team_code and s.work_date = a.work_date
        where s.shift_code is distinct from a.shift_code
          and a.work_date > '2026-02-05'  -- after the last early-period transfer""",
    )
    assert off_roster == 0
    bad_hours = _one(
        con,
        """
        select count(*) from hr__attendance
        where absence_type is null and (
            abs(hours::double - (epoch(clock_out::timestamptz) - epoch(clock_in::timestamptz)) / 3600
                + case when shift_code = 'D' then 1 else 1 end) > 0.75)""",
    )
    assert bad_hours == 0


def test_invoices_lag_deliveries_and_credit_notes_are_negative(
    con: duckdb.DuckDBPyConnection,
) -> None:
    lag = _one(
        con,
        """
        with pod as (select so_code, max(signed_at::timestamptz) as s from wms__proofs_of_delivery group by 1),
        inv as (select socode, min(verify_time::timestamp) as v from erp__sale_invoices
                where invoice_type = 'blue' group by 1)
        select median(epoch(inv.v) - epoch(pod.s at time zone 'Asia/Shanghai')) / 86400
        from pod join inv on inv.socode = pod.so_code""",
    )
    assert 0.3 < lag < 5
    assert (
        _one(
            con,
            "select count(*) from erp__sale_invoices where invoice_type = 'red' and quantity::decimal >= 0",
        )
        == 0
    )


def test_employees_transfer_between_teams(con: duckdb.DuckDBPyConnection) -> None:
    moved = _one(
        con,
        "select count(*) from (select employee_no from hr__employees group by 1 "
        "having count(distinct team_code) > 1)",
    )
    assert moved >= 3


# ------------------------------------------------------------------------- volumes and shape


def test_volumes_are_in_the_intended_ballpark(
    con: duckdb.DuckDBPyConnection, demo_data: Path
) -> None:
    manifest = json.loads((demo_data / "manifest.json").read_text(encoding="utf-8"))
    counts = manifest["row_counts"]
    assert 750 <= manifest["plants"][0]["employees"] <= 880
    assert 300_000 <= manifest["total_rows"] <= 1_500_000
    assert counts["qms/line_measures.csv"] > counts["mes/production_counts.csv"] * 5
    orders = _one(con, "select count(distinct code) from erp__sale_orders")
    assert 250 <= orders <= 700  # ≈ 12 a working day, lighter weekends
    departments = {r[0] for r in con.execute("select name_en from hr__departments").fetchall()}
    assert {
        "Sales",
        "Planning",
        "Purchasing",
        "Production",
        "Quality",
        "Warehouse & logistics",
        "Finance",
        "Technology centre",
    } <= departments
    assert _one(con, "select count(*) from hr__teams where line_code is not null") == 7


def test_weekends_are_lighter_than_weekdays(con: duckdb.DuckDBPyConnection) -> None:
    weekday, weekend = con.execute("""
        select avg(n) filter (where dayofweek(d) between 1 and 5), avg(n) filter (where dayofweek(d) in (0, 6))
        from (select date::date as d, count(distinct code) as n from erp__sale_orders group by 1)""").fetchone()
    assert weekend < weekday * 0.5


def test_names_are_chinese_with_pinyin(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("select name, name_en from hr__employees limit 200").fetchall()
    for name, name_en in rows:
        assert 2 <= len(name) <= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in name)
        assert name_en.split()[0].isascii() and name_en[0].isupper()


def test_grades_and_key_accounts(con: duckdb.DuckDBPyConnection) -> None:
    grades = {r[0] for r in con.execute("select distinct Grade__c from crm__accounts").fetchall()}
    assert grades == {"A", "B", "C"}
    assert _one(con, "select count(*) from crm__accounts where Is_Key_Account__c = 'true'") >= 5
