"""The incremental models give the same rows as a full refresh: after a one-day increment
(the last day's records arriving, as a new extraction batch, on top of the first 44 days),
after a second run with nothing new, and after nights that bring late, moved and re-sent
records. Incremental staging keeps the newest version of a record even when a later batch
brings an older one."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.warehouse.conftest import Warehouse, load_raw, run_dbt

INCREMENTAL = (
    "staging.stg_qms__line_measures",
    "staging.stg_qms__inspections",
    "staging.stg_hr__attendance",
    "staging.stg_mes__production_counts",
    "intermediate.int_machine_state_intervals_split",
    "intermediate.int_team_hours_produced",
    "intermediate.int_team_hours_inspected",
    "intermediate.int_team_hours_attended",
    "intermediate.int_line_hours_measured",
)
# The columns that say which extraction or build a row came from (`_batch_id`,
# `_staged_at`, `_replaced_*`, `_staged_through_at`, ...) differ between the two builds by
# design: the business columns are compared.
BUSINESS_COLUMNS = "columns('^[^_]')"
LAST_DAY_STARTS = "2026-02-14 00:00:00+08"


def _modstamp(entity) -> str:  # type: ignore[no-untyped-def]
    column = f'"{entity.modstamp}"'
    if entity.field(entity.modstamp).type == "ts_local":
        return f"timezone('Asia/Shanghai', {column})"
    return column


def _differences(con: duckdb.DuckDBPyConnection, model: str) -> int:
    mine, full = model, f"full_refresh.{model}"
    columns = BUSINESS_COLUMNS
    return con.execute(
        f"""
        select (select count(*) from (
                    select {columns} from {mine} except all select {columns} from {full}))
             + (select count(*) from (
                    select {columns} from {full} except all select {columns} from {mine}))
        """
    ).fetchone()[0]


@pytest.fixture(scope="module")
def incremented(warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from extractors.contract import ENTITIES
    from extractors.landing.raw import raw_table

    work = tmp_path_factory.mktemp("incremental")
    db = work / "incremental.duckdb"
    load_raw(db, warehouse.data_dir)
    con = duckdb.connect(str(db))
    con.execute("create schema held_back")
    for entity in ENTITIES:
        table = raw_table(entity)
        held = f"held_back.{entity.source}__{entity.name}"
        late = f"{_modstamp(entity)} >= '{LAST_DAY_STARTS}'"
        con.execute(f"create table {held} as select * from {table} where {late}")
        con.execute(f"delete from {table} where {late}")
    con.close()

    names = [model.split(".")[1] for model in INCREMENTAL]
    select = ["--select", *(f"+{name}" for name in names)]
    seeds = run_dbt(db, work, "seed")
    assert seeds.returncode == 0, seeds.output[-3000:]
    first = run_dbt(db, work, "run", *select)
    assert first.returncode == 0, first.output[-3000:]

    con = duckdb.connect(str(db))
    for entity in ENTITIES:
        # The next night's extraction: a batch of its own, extracted now.
        con.execute(
            f"insert into {raw_table(entity)} "
            f"select * replace ('nightly-2026-02-14' as _batch_id, now() as _extracted_at) "
            f"from held_back.{entity.source}__{entity.name}"
        )
    con.close()
    second = run_dbt(db, work, "run", *select)
    assert second.returncode == 0, second.output[-3000:]
    assert all(r["status"] == "success" for r in second.results), "incremental run had failures"
    return db


@pytest.mark.parametrize("model", INCREMENTAL)
def test_one_day_increment_equals_full_refresh(
    incremented: Path, warehouse: Warehouse, model: str
) -> None:
    con = duckdb.connect(str(incremented), read_only=True)
    con.execute(f"attach '{warehouse.path}' as full_refresh (read_only)")
    assert con.execute(f"select count(*) from {model}").fetchone()[0] > 0
    assert _differences(con, model) == 0


def test_second_run_without_new_data_changes_nothing(
    incremented: Path, warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory
) -> None:
    work = tmp_path_factory.mktemp("incremental_again")
    names = [model.split(".")[1] for model in INCREMENTAL]
    again = run_dbt(incremented, work, "run", "--select", *names)
    assert again.returncode == 0, again.output[-3000:]
    con = duckdb.connect(str(incremented), read_only=True)
    con.execute(f"attach '{warehouse.path}' as full_refresh (read_only)")
    for model in INCREMENTAL:
        assert _differences(con, model) == 0, model


def test_a_late_batch_with_an_older_version_does_not_replace_the_newer(
    warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A replayed landing batch can bring a version older than the one staging holds: the
    newest modstamp wins, as in a full rebuild, whichever batch arrived last."""
    work = tmp_path_factory.mktemp("incremental_older")
    db = work / "older.duckdb"
    load_raw(db, warehouse.data_dir)
    first = run_dbt(db, work, "run", "--select", "stg_hr__attendance")
    assert first.returncode == 0, first.output[-3000:]
    con = duckdb.connect(str(db))
    attendance_id, hours = con.execute(
        "select attendance_id, attended_hours from staging.stg_hr__attendance "
        "where attended_hours > 1 order by attendance_id limit 1"
    ).fetchone()
    con.execute(
        "insert into raw.hr__attendance select * replace ("
        "  hours - 1 as hours, updated_at - interval 1 day as updated_at,"
        "  'replayed-old' as _batch_id) "
        "from raw.hr__attendance where attendance_id = ?",
        [attendance_id],
    )
    con.close()
    second = run_dbt(db, work, "run", "--select", "stg_hr__attendance")
    assert second.returncode == 0, second.output[-3000:]
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        "select attended_hours, _batch_id from staging.stg_hr__attendance where attendance_id = ?",
        [attendance_id],
    ).fetchall()
    assert rows == [(hours, "dataset")]


HOURLY = tuple(model for model in INCREMENTAL if "int_machine_state" not in model)
HOURLY_SELECT = ["--select", *(f"+{model.split('.')[1]}" for model in HOURLY)]
MOVED_HOUR = "2026-02-10 03:00:00+00"  # 11:00 in Shanghai: day shift A works, B does not
LATE_HOUR = "2026-02-11 03:00:00+00"  # three days before the newest hour (02-14)


def _night(db: Path, batch_id: str, statements: list[str]) -> None:
    """A night's extraction: the given raw rows as one new batch, extracted now."""
    con = duckdb.connect(str(db))
    for statement in statements:
        con.execute(statement.format(batch=f"'{batch_id}'"))
    con.close()


def _assert_equals_full_refresh(db: Path, work: Path) -> None:
    full = work / "full_refresh.duckdb"
    shutil.copy(db, full)
    rebuilt = run_dbt(full, work / "full", "run", "--full-refresh", *HOURLY_SELECT)
    assert rebuilt.returncode == 0, rebuilt.output[-3000:]
    con = duckdb.connect(str(db), read_only=True)
    con.execute(f"attach '{full}' as full_refresh (read_only)")
    for model in HOURLY:
        assert _differences(con, model) == 0, model
    con.close()
    full.unlink()


def _produced(db: Path, team_id: str, hour_at: str) -> tuple | None:
    con = duckdb.connect(str(db), read_only=True)
    row = con.execute(
        "select produced_qty, good_qty, standard_hours_earned "
        "from intermediate.int_team_hours_produced where team_id = ? and hour_at = ?",
        [team_id, hour_at],
    ).fetchone()
    con.close()
    return row


def _reworked(con: duckdb.DuckDBPyConnection, team_id: str, hour_at: object) -> int:
    row = con.execute(
        "select reworked_qty from intermediate.int_team_hours_inspected "
        "where team_id = ? and hour_at = ?",
        [team_id, hour_at],
    ).fetchone()
    return 0 if row is None else row[0]


def test_late_moved_and_re_sent_records_equal_a_full_refresh(
    warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Night 1 brings a count moved from team WLD1-A to WLD1-B (which has no count in
    that hour), a count three days late, a rework order for a defect found on 02-05, an
    attendance of 02-09 cut by two hours, and re-sends a line measure and an inspection
    unchanged. Night 2 moves the count back: WLD1-B's group in that hour must vanish.
    After each night the hourly models equal a full refresh over the same raw rows, and
    the figures move by exactly the moved and late quantities."""
    work = tmp_path_factory.mktemp("incremental_late")
    db = work / "late.duckdb"
    load_raw(db, warehouse.data_dir)
    assert run_dbt(db, work, "seed").returncode == 0
    first = run_dbt(db, work, "run", *HOURLY_SELECT)
    assert first.returncode == 0, first.output[-3000:]

    con = duckdb.connect(str(db), read_only=True)
    con.execute("set TimeZone = 'UTC'")
    moved_id, moved_qty, moved_good = con.execute(
        "select production_record_id, produced_qty, good_qty from staging.stg_mes__production_counts "
        "where team_id = 'P01-WLD1-A' and hour_at = ? order by production_record_id limit 1",
        [MOVED_HOUR],
    ).fetchone()
    late_template, late_product, late_machine = con.execute(
        "select production_record_id, product_id, machine_id "
        "from staging.stg_mes__production_counts "
        "where team_id = 'P01-MCH1-A' and hour_at = ? order by production_record_id limit 1",
        [LATE_HOUR],
    ).fetchone()
    standard = con.execute(
        "select routings.standard_labour_hours_per_unit from staging.stg_mes__routings as routings "
        "inner join staging.stg_mes__equipment as equipment on routings.line_id = equipment.line_id "
        "where equipment.machine_id = ? and routings.product_id = ?",
        [late_machine, late_product],
    ).fetchone()[0]
    rework_defect, rework_team, rework_hour = con.execute(
        "select defects.defect_id, inspections.team_id, "
        "  time_bucket(interval 1 hour, inspections.inspected_at) "
        "from staging.stg_qms__defects as defects "
        "inner join staging.stg_qms__inspections as inspections "
        "  on defects.inspection_id = inspections.inspection_id "
        "where inspections.inspected_at between '2026-02-05' and '2026-02-06' "
        "  and inspections.team_id is not null "
        "order by defects.defect_id limit 1"
    ).fetchone()
    reworked_before = _reworked(con, rework_team, rework_hour)
    con.close()
    moved_from_before = _produced(db, "P01-WLD1-A", MOVED_HOUR)
    late_before = _produced(db, "P01-MCH1-A", LATE_HOUR)
    assert _produced(db, "P01-WLD1-B", MOVED_HOUR) is None

    _night(
        db,
        "night-1",
        [
            "insert into raw.mes__production_counts select * replace ('P01-WLD1-B' as team_code,"
            f" updated_at + interval 3 day as updated_at, {{batch}} as _batch_id,"
            f" now() as _extracted_at) from raw.mes__production_counts"
            f" where record_id = '{moved_id}'",
            "insert into raw.mes__production_counts select * replace ('LATE-1' as record_id,"
            " 7 as produced_qty, 6 as good_qty, updated_at + interval 3 day as updated_at,"
            " {batch} as _batch_id, now() as _extracted_at) from raw.mes__production_counts"
            f" where record_id = '{late_template}'",
            "insert into raw.qms__rework_orders select * replace ('RW-LATE-1' as rework_id,"
            f" '{rework_defect}' as defect_id, 5 as reworked_qty,"
            " updated_at + interval 3 day as updated_at, {batch} as _batch_id,"
            " now() as _extracted_at) from raw.qms__rework_orders"
            " order by rework_id limit 1",
            "insert into raw.hr__attendance select * replace ("
            " clock_out - interval 2 hour as clock_out, hours - 2 as hours,"
            " updated_at + interval 3 day as updated_at, {batch} as _batch_id,"
            " now() as _extracted_at) from raw.hr__attendance"
            " where work_date = '2026-02-09' and clock_in is not null and hours > 4"
            " order by attendance_id limit 1",
            "insert into raw.qms__line_measures select * replace ({batch} as _batch_id,"
            " now() as _extracted_at) from raw.qms__line_measures"
            " where measured_at between '2026-02-08' and '2026-02-08 01:00:00+00'",
            "insert into raw.qms__inspections select * replace ({batch} as _batch_id,"
            " now() as _extracted_at) from raw.qms__inspections"
            " where inspected_at between '2026-02-07' and '2026-02-07 06:00:00+00'",
        ],
    )
    night_1 = run_dbt(db, work, "run", *HOURLY_SELECT)
    assert night_1.returncode == 0, night_1.output[-3000:]

    # The moved count left WLD1-A's hour and made WLD1-B's; the late one joined its hour.
    assert _produced(db, "P01-WLD1-A", MOVED_HOUR)[:2] == (
        moved_from_before[0] - moved_qty,
        moved_from_before[1] - moved_good,
    )
    assert _produced(db, "P01-WLD1-B", MOVED_HOUR)[:2] == (moved_qty, moved_good)
    late_after = _produced(db, "P01-MCH1-A", LATE_HOUR)
    assert late_after[:2] == (late_before[0] + 7, late_before[1] + 6)
    assert late_after[2] == pytest.approx(late_before[2] + 6 * float(standard))
    con = duckdb.connect(str(db), read_only=True)
    assert _reworked(con, rework_team, rework_hour) == reworked_before + 5
    con.close()
    _assert_equals_full_refresh(db, work)

    _night(
        db,
        "night-2",
        [
            "insert into raw.mes__production_counts select * replace ('P01-WLD1-A' as team_code,"
            f" updated_at + interval 4 day as updated_at, {{batch}} as _batch_id,"
            f" now() as _extracted_at) from raw.mes__production_counts"
            f" where record_id = '{moved_id}' and _batch_id = 'dataset'"
            " order by updated_at desc limit 1",
        ],
    )
    night_2 = run_dbt(db, work, "run", *HOURLY_SELECT)
    assert night_2.returncode == 0, night_2.output[-3000:]

    # Moved back: WLD1-B has no count left in that hour, so it has no row.
    assert _produced(db, "P01-WLD1-B", MOVED_HOUR) is None
    assert _produced(db, "P01-WLD1-A", MOVED_HOUR) == moved_from_before
    _assert_equals_full_refresh(db, work)


def test_a_model_that_cannot_catch_up_names_itself_and_the_launch_that_rebuilds_it(
    warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A staging table built before rows were stamped (no `_staged_at`) cannot tell the
    hourly models what is new: the run fails naming the table and the Dagster launch,
    whose full refresh of that one model lets the next run through."""
    from orchestration.defs.warehouse.assets import dbt_build_args

    work = tmp_path_factory.mktemp("incremental_upgrade")
    db = work / "upgrade.duckdb"
    load_raw(db, warehouse.data_dir)
    select = ["--select", "+int_team_hours_produced"]
    assert run_dbt(db, work, "run", *select).returncode == 0
    con = duckdb.connect(str(db))
    produced = con.execute("select sum(produced_qty) from intermediate.int_team_hours_produced")
    total = produced.fetchone()[0]
    con.execute("alter table staging.stg_mes__production_counts drop column _staged_at")
    con.close()

    stuck = run_dbt(db, work, "run", *select)
    assert stuck.returncode != 0
    assert "staging.stg_mes__production_counts" in stuck.output
    assert "has no column _staged_at" in stuck.output
    assert "--select staging/stg_mes__production_counts" in stuck.output
    assert "full_refresh: true" in stuck.output

    # What the launch runs: the build of that model with --full-refresh.
    launch = dbt_build_args({}, full_refresh=True)
    assert launch[0] == "build" and launch[-1] == "--full-refresh"
    assert "--full-refresh" not in dbt_build_args({}, full_refresh=False)
    rebuilt = run_dbt(db, work, "run", "--full-refresh", "--select", "stg_mes__production_counts")
    assert rebuilt.returncode == 0, rebuilt.output[-3000:]
    again = run_dbt(db, work, "run", *select)
    assert again.returncode == 0, again.output[-3000:]
    con = duckdb.connect(str(db), read_only=True)
    produced = con.execute("select sum(produced_qty) from intermediate.int_team_hours_produced")
    assert produced.fetchone()[0] == total
    con.close()
