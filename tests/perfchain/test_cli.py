"""The command line as a user meets it: clear messages, exit codes, no tracebacks."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import dagster as dg
import openpyxl
import pytest
from click.testing import CliRunner

from extractors.credentials import SECRET_KEYS, env_name
from perfchain.cli import main


def _config(tmp_path, drop=None) -> str:  # type: ignore[no-untyped-def]
    path = tmp_path / "perfchain.yaml"
    lines = [
        "plant: {code: P01, timezone: Asia/Shanghai}",
        f"paths: {{home: {tmp_path / 'home'}, excel_drop: {drop or 'null'}}}",
        "sources:",
        "  crm: {base_url: 'http://127.0.0.1:1/crm'}",
        "  erp: {base_url: 'http://127.0.0.1:1/erp'}",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return str(path)


def test_check_config_names_each_missing_secret_variable(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for source, keys in SECRET_KEYS.items():
        for key in keys:
            monkeypatch.delenv(env_name(source, key), raising=False)
    monkeypatch.setenv("PERFCHAIN_CONFIG", _config(tmp_path))
    monkeypatch.setenv("PERFCHAIN_CRM_CLIENT_ID", "x")
    result = CliRunner().invoke(main, ["check-config"])
    assert result.exit_code == 2
    assert "PERFCHAIN_CRM_CLIENT_SECRET" in result.output
    assert "PERFCHAIN_CRM_CLIENT_ID" not in result.output.split("missing")[1].split("\n")[0]
    assert "PERFCHAIN_ERP_APP_KEY, PERFCHAIN_ERP_APP_SECRET" in result.output
    assert "Traceback" not in result.output


def test_check_config_reads_the_targets_workbook(tmp_path, monkeypatch, demo_data) -> None:  # type: ignore[no-untyped-def]
    drop = tmp_path / "drop"
    shutil.copytree(demo_data / "excel", drop)
    for key in ("CRM_CLIENT_ID", "CRM_CLIENT_SECRET", "ERP_APP_KEY", "ERP_APP_SECRET"):
        monkeypatch.setenv(f"PERFCHAIN_{key}", "x")
    monkeypatch.setenv("PERFCHAIN_CONFIG", _config(tmp_path, drop))
    ok = CliRunner().invoke(main, ["check-config", "--date", "2026-02-14"])
    assert ok.exit_code == 0, ok.output
    assert "stage_weights: 6 rows OK" in ok.output

    workbook = openpyxl.load_workbook(drop / "targets.xlsx")
    workbook["line_thresholds"]["F3"] = "high"
    workbook.save(drop / "targets.xlsx")
    bad = CliRunner().invoke(main, ["check-config", "--date", "2026-02-14"])
    assert bad.exit_code == 2
    assert "sheet 'line_thresholds', row 3, column F (yellow_threshold)" in bad.output


def test_check_config_names_every_missing_month_sheet_and_broken_header(
    tmp_path, monkeypatch, demo_data
) -> None:  # type: ignore[no-untyped-def]
    drop = tmp_path / "drop"
    shutil.copytree(demo_data / "excel", drop)
    for key in ("CRM_CLIENT_ID", "CRM_CLIENT_SECRET", "ERP_APP_KEY", "ERP_APP_SECRET"):
        monkeypatch.setenv(f"PERFCHAIN_{key}", "x")
    monkeypatch.setenv("PERFCHAIN_CONFIG", _config(tmp_path, drop))
    production = drop / "生产部月度汇总.xlsx"
    workbook = openpyxl.load_workbook(production)
    del workbook["2026年1月"]
    workbook.save(production)
    sales = drop / "销售部订单跟踪.xlsx"
    workbook = openpyxl.load_workbook(sales)
    workbook["订单跟踪"]["A3"] = "单号"
    workbook.save(sales)

    bad = CliRunner().invoke(main, ["check-config", "--date", "2026-02-14"])
    assert bad.exit_code == 2
    errors = [line for line in bad.output.splitlines() if "✗" in line]
    assert errors == [
        "  ✗ excel: 生产部月度汇总.xlsx, sheet '2026年1月': month sheet is missing "
        "(sheets found: '2026年2月')",
        "  ✗ excel: 销售部订单跟踪.xlsx, sheet '订单跟踪', row 3, column A: header '订单号' "
        "expected, found '单号'",
    ]
    assert "perfchain: 2 configuration problem(s)" in bad.output

    # For a run dated January 31 January is the open month: its missing sheet warns.
    january = CliRunner().invoke(main, ["check-config", "--date", "2026-01-31"])
    assert "  ! excel: 生产部月度汇总.xlsx, sheet '2026年1月': the still-open month's" in (
        january.output
    )
    assert [line for line in january.output.splitlines() if "✗" in line] == errors[1:]
    # February's sheet is there; March, the open month of a run on March 1, warns only.
    workbook = openpyxl.load_workbook(sales)
    workbook["订单跟踪"]["A3"] = "订单号"
    workbook.save(sales)
    shutil.copy(demo_data / "excel" / "生产部月度汇总.xlsx", production)
    march = CliRunner().invoke(main, ["check-config", "--date", "2026-03-01"])
    assert march.exit_code == 0, march.output
    assert (
        "  ! excel: 生产部月度汇总.xlsx, sheet '2026年3月': the still-open month's sheet is "
        "missing (sheets found: '2026年1月', '2026年2月')"
    ) in march.output


def test_a_bad_config_key_is_named(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "perfchain.yaml"
    path.write_text("plant: {timezone: Mars/Olympus}\nextract: {overlap_minutes: -5}\n")
    monkeypatch.setenv("PERFCHAIN_CONFIG", str(path))
    result = CliRunner().invoke(main, ["run", "--date", "2026-01-05"])
    assert result.exit_code == 2
    assert "plant.timezone" in result.output and "Mars/Olympus" in result.output
    assert "extract.overlap_minutes" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("-1", "Input should be greater than or equal to 0 (got -1)"),
        ("5000", "Input should be less than or equal to 3650 (got 5000)"),
        ("soon", "Input should be a valid integer"),
    ],
)
def test_check_config_names_a_bad_quarantine_retry_days(
    tmp_path, monkeypatch, value, expected
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "perfchain.yaml"
    path.write_text(f"extract: {{quarantine_retry_days: {value}}}\n")
    monkeypatch.setenv("PERFCHAIN_CONFIG", str(path))
    result = CliRunner().invoke(main, ["check-config"])
    assert result.exit_code == 2
    assert f"extract.quarantine_retry_days: {expected}" in result.output
    assert "Traceback" not in result.output


@pytest.mark.slow  # copies and validates a whole dataset, then starts the simulator
def test_validate_dataset_names_a_misspelled_file_and_column_and_simulate_refuses(
    tmp_path, demo_data, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "plant"
    shutil.copytree(demo_data, data)
    ok = CliRunner().invoke(main, ["validate-dataset", str(data)])
    assert ok.exit_code == 0, ok.output
    assert ok.output == f"{data}: valid dataset\n"

    (data / "qms" / "defects.csv").rename(data / "qms" / "defect.csv")
    path = data / "hr" / "teams.csv"
    header, rest = path.read_text(encoding="utf-8").split("\n", 1)
    path.write_text(header.replace("leader_no", "leader_id") + "\n" + rest, encoding="utf-8")
    (data / "excel" / "销售部订单跟踪.xlsx").unlink()

    bad = CliRunner().invoke(main, ["validate-dataset", str(data)])
    assert bad.exit_code == 2
    assert bad.output.splitlines() == [
        "  ✗ qms/defect.csv: unknown file: the dataset format has no such entity "
        "(did you mean qms/defects.csv?)",
        "  ✗ qms/defects.csv: missing: every entity needs its file, with a header row at least",
        "  ✗ hr/teams.csv, line 1, column leader_id: unknown column: not a field of this "
        "entity (did you mean leader_no?)",
        "  ✗ hr/teams.csv, line 1, column leader_no: missing column (did you mean leader_id?)",
        "  ✗ excel/销售部订单跟踪.xlsx: missing (listed in manifest.json)",
        f"perfchain: {data}: 5 dataset problem(s) (docs/dataset.md)",
    ]

    def serving(*args, **kwargs):  # type: ignore[no-untyped-def]
        # Had the check let the dataset through, the command would serve until killed.
        raise AssertionError("the simulator started serving an invalid dataset")

    monkeypatch.setattr("simulator.server.runner.make_server", serving)
    refused = CliRunner().invoke(main, ["simulate", "--data", str(data), "--port", "0"])
    assert refused.exit_code == 2
    assert f"perfchain: {data} is not a valid dataset (4 problem(s)" in refused.output
    assert "qms/defect.csv: unknown file" in refused.output
    assert "hr/teams.csv, line 1, column leader_id: unknown column" in refused.output
    assert "serving" not in refused.output and "Traceback" not in refused.output


def test_validate_dataset_reads_the_targets_workbook_sheet_by_sheet(tmp_path, demo_data) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "plant"
    shutil.copytree(demo_data, data)
    workbook = openpyxl.load_workbook(data / "excel" / "targets.xlsx")
    del workbook["stage_weights"]
    workbook["line_thresholds"]["F3"] = "high"
    workbook.save(data / "excel" / "targets.xlsx")

    result = CliRunner().invoke(main, ["validate-dataset", str(data)])
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[:2] == [
        "  ✗ excel/targets.xlsx: sheet 'stage_weights' is missing",
        "  ✗ excel/targets.xlsx, sheet 'line_thresholds', row 3, column F (yellow_threshold): "
        "'high' is not a number. Fix the cell and run again.",
    ]
    assert lines[2:] == [f"perfchain: {data}: 2 dataset problem(s) (docs/dataset.md)"]


def test_validate_dataset_owes_every_month_of_the_dataset_period(tmp_path, demo_data) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "plant"
    shutil.copytree(demo_data, data)
    production = data / "excel" / "生产部月度汇总.xlsx"
    workbook = openpyxl.load_workbook(production)
    del workbook["2026年2月"]  # the manifest's last month: the dataset says it is complete
    workbook["2026年1月"]["G2"] = None
    workbook.save(production)

    result = CliRunner().invoke(main, ["validate-dataset", str(data)])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "  ✗ excel/生产部月度汇总.xlsx, sheet '2026年2月': month sheet is missing "
        "(sheets found: '2026年1月')",
        "  ✗ excel/生产部月度汇总.xlsx, sheet '2026年1月', row 2, column G: header '设备停机' "
        "expected, found an empty cell",
        f"perfchain: {data}: 2 dataset problem(s) (docs/dataset.md)",
    ]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _one_source(tmp_path, monkeypatch, source: str, body: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "perfchain.yaml"
    path.write_text(f"sources:\n  {source}: {body}\n", encoding="utf-8")
    monkeypatch.setenv("PERFCHAIN_CONFIG", str(path))
    monkeypatch.setenv("PERFCHAIN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home" / "dagster"))


@pytest.mark.slow  # a 10 s unreachable budget inside a run
def test_a_dead_source_fails_the_run_after_one_budget_in_one_line(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """ERP on a closed port, default policy: the first request gives up after the
    unreachable budget (10 s), the nine other entities without asking again. (How long the
    whole command takes is measured by `make bench-dead-source`, not here.)"""
    _one_source(
        tmp_path, monkeypatch, "erp", f"{{base_url: 'http://127.0.0.1:{_closed_port()}/erp'}}"
    )
    monkeypatch.setenv("PERFCHAIN_ERP_APP_KEY", "k" * 8)
    monkeypatch.setenv("PERFCHAIN_ERP_APP_SECRET", "s" * 8)
    result = CliRunner().invoke(main, ["run", "--date", "2026-01-05", "--source", "erp"])
    assert result.exit_code == 1
    lines = [
        line for line in result.output.splitlines() if line and not line.startswith("run 2026")
    ]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("perfchain: run for 2026-01-05 failed: raw__erp__")
    assert "erp.auth: source unreachable" in lines[0]
    assert "Connection refused" in lines[0] and "sources.erp.base_url" in lines[0]
    assert "(9 more step(s) failed)" in lines[0] and "Traceback" not in result.output
    run_log = Path(lines[0].rsplit("Run log: ", 1)[1])
    assert run_log.read_text(encoding="utf-8").count("not tried again in this run") >= 9

    instance = dg.DagsterInstance.from_config(str(tmp_path / "home" / "dagster"))
    (run,) = instance.get_runs()
    assert run.status == dg.DagsterRunStatus.FAILURE


@pytest.mark.slow  # starts a run (Dagster and dbt imports) to see it refused
def test_a_missing_secret_is_one_line_before_the_run_starts(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _one_source(tmp_path, monkeypatch, "qms", "{base_url: 'http://127.0.0.1:1/qms'}")
    monkeypatch.setenv("PERFCHAIN_QMS_CLIENT_ID", "id")
    monkeypatch.delenv("PERFCHAIN_QMS_CLIENT_SECRET", raising=False)
    result = CliRunner().invoke(main, ["run", "--date", "2026-01-05"])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "perfchain: qms: missing secret(s) PERFCHAIN_QMS_CLIENT_SECRET. Set them in the "
        "environment (.env.example lists them); `perfchain check-config` checks the whole "
        "configuration"
    ]
    assert not (tmp_path / "home" / "dagster").exists()  # refused before any run began


def test_an_out_of_range_option_is_named_by_check_config_and_run(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _one_source(tmp_path, monkeypatch, "oa", "{base_url: 'http://127.0.0.1:1/oa', page_size: -5}")
    monkeypatch.setenv("PERFCHAIN_OA_APPID", "appid")
    expected = "sources.oa.page_size: Input should be greater than or equal to 1 (got -5)"
    for command in (["check-config"], ["run", "--date", "2026-01-05"]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 2, command
        assert expected in result.output, result.output
        assert len(result.output.splitlines()) <= 2 and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (
            "{base_url: 'http://h/erp', rows_per_page: 0}",
            "sources.erp.rows_per_page: Input should be greater than or equal to 1 (got 0)",
        ),
        (
            "{base_url: 'http://h/erp', page_size: 10}",
            "sources.erp.page_size: not an option of erp",
        ),
        (
            "{base_url: 'http://h/erp', rows_per_page: many}",
            "sources.erp.rows_per_page: Input should be a valid integer",
        ),
        ("{base_url: 'ftp://h/erp'}", "sources.erp.base_url: 'ftp://h/erp' is not an http(s) URL"),
        ("{base_url: 'http://h/erp?app_key=k'}", "sources.erp.base_url: must not hold credentials"),
    ],
)
def test_check_config_checks_each_source_option(
    tmp_path, monkeypatch, body: str, named: str
) -> None:  # type: ignore[no-untyped-def]
    _one_source(tmp_path, monkeypatch, "erp", body)
    result = CliRunner().invoke(main, ["check-config"])
    assert result.exit_code == 2
    assert named in result.output, result.output
