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
