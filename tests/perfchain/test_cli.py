"""The command line as a user meets it: clear messages, exit codes, no tracebacks."""

from __future__ import annotations

import shutil

import openpyxl
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
    ok = CliRunner().invoke(main, ["check-config"])
    assert ok.exit_code == 0, ok.output
    assert "stage_weights: 6 rows OK" in ok.output

    workbook = openpyxl.load_workbook(drop / "targets.xlsx")
    workbook["line_thresholds"]["F3"] = "high"
    workbook.save(drop / "targets.xlsx")
    bad = CliRunner().invoke(main, ["check-config"])
    assert bad.exit_code == 2
    assert "sheet 'line_thresholds', row 3, column F (yellow_threshold)" in bad.output


def test_a_bad_config_key_is_named(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "perfchain.yaml"
    path.write_text("plant: {timezone: Mars/Olympus}\nextract: {overlap_minutes: -5}\n")
    monkeypatch.setenv("PERFCHAIN_CONFIG", str(path))
    result = CliRunner().invoke(main, ["run", "--date", "2026-01-05"])
    assert result.exit_code == 2
    assert "plant.timezone" in result.output and "Mars/Olympus" in result.output
    assert "extract.overlap_minutes" in result.output
    assert "Traceback" not in result.output


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

    monkeypatch.setattr("extractors.simulator.server.runner.make_server", serving)
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
