"""The `alerts:` section of perfchain.yaml: defaults, checks, and `perfchain check-config`
naming each robot's missing variables."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from perfchain.cli import main
from perfchain.core.errors import ConfigError
from perfchain.core.settings import Settings, load_settings


def test_defaults_send_nowhere_until_robots_are_listed() -> None:
    alerts = Settings().alerts
    assert (alerts.cadence_minutes, alerts.lang, alerts.platform_channel) == (15, "zh", "wecom")
    assert alerts.retry_backoff_minutes == [1, 5, 15, 60]
    assert alerts.wecom.base_url == "https://qyapi.weixin.qq.com"
    assert alerts.dingtalk.base_url == "https://oapi.dingtalk.com"
    assert alerts.wecom.robots == [] and alerts.dingtalk.robots == []
    assert alerts.email.address_template == "{oa_user_id}@plant.local"


def test_the_shipped_file_lists_the_plant_robots() -> None:
    alerts = load_settings(Path(__file__).resolve().parents[2] / "perfchain.yaml").alerts
    assert alerts.wecom.robots == ["plant"] and alerts.dingtalk.robots == ["plant"]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        (
            "alerts: {wecom: {base_url: 'https://qyapi.weixin.qq.com?key=abc'}}",
            "alerts.wecom.base_url",
        ),
        ("alerts: {dingtalk: {robots: [Plant-1]}}", "alerts.dingtalk.robots"),
        ("alerts: {lang: fr}", "alerts.lang"),
        ("alerts: {retry_backoff_minutes: []}", "alerts.retry_backoff_minutes"),
        ("alerts: {platform_channel: sms}", "alerts.platform_channel"),
        ("alerts: {freshness: {ftp: {max_lag_minutes: 5}}}", "alerts.freshness.ftp"),
        (
            "alerts: {freshness: {mes: {max_lag_minutes: 0}}}",
            "alerts.freshness.mes.max_lag_minutes",
        ),
        (
            "alerts: {freshness: {mes: {max_lag_minutes: 30, during: weekdays}}}",
            "alerts.freshness.mes.during",
        ),
        ("alerts: {email: {address_template: '{name}@x'}}", "alerts.email.address_template"),
    ],
)
def test_a_bad_alerts_value_is_named_by_its_key(tmp_path: Path, text: str, named: str) -> None:
    path = tmp_path / "perfchain.yaml"
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        load_settings(path)


def test_check_config_names_each_robot_variable_that_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "perfchain.yaml"
    path.write_text(
        "alerts:\n  wecom: {robots: [plant, quality]}\n  dingtalk: {robots: [plant]}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("PERFCHAIN_CONFIG", str(path))
    monkeypatch.setenv("PERFCHAIN_WECOM_KEY_PLANT", "set-but-never-printed")
    monkeypatch.delenv("PERFCHAIN_WECOM_KEY_QUALITY", raising=False)
    monkeypatch.setenv("PERFCHAIN_DINGTALK_TOKEN_PLANT", "")
    monkeypatch.delenv("PERFCHAIN_DINGTALK_SECRET_PLANT", raising=False)
    result = CliRunner().invoke(main, ["check-config"])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if "alerts." in line]
    assert lines == [
        "  ✗ alerts.wecom robot 'quality': missing secret(s) PERFCHAIN_WECOM_KEY_QUALITY",
        "  ✗ alerts.dingtalk robot 'plant': missing secret(s) PERFCHAIN_DINGTALK_TOKEN_PLANT, "
        "PERFCHAIN_DINGTALK_SECRET_PLANT",
    ]
    assert "set-but-never-printed" not in result.output


def test_freshness_defaults_fill_every_source_and_equal_the_dbt_var() -> None:
    import yaml

    expected = Settings().alerts.freshness_expectations()
    assert [row["source"] for row in expected] == [
        "crm", "erp", "oa", "mes", "qms", "wms", "hr", "excel",
    ]  # fmt: skip
    assert expected[3] == {"source": "mes", "max_lag_minutes": 30, "during": "shifts"}
    assert expected[1] == {"source": "erp", "max_lag_minutes": 1560, "during": "always"}
    project = Path(__file__).resolve().parents[2] / "dbt_project" / "dbt_project.yml"
    assert yaml.safe_load(project.read_text())["vars"]["platform_freshness"] == expected
    # The shipped file restates the defaults: dbt gets no var of its own (partial parsing).
    shipped = load_settings(Path(__file__).resolve().parents[2] / "perfchain.yaml")
    assert shipped.alerts.freshness_expectations() == expected
    chosen = Settings.model_validate(
        {"alerts": {"freshness": {"hr": {"max_lag_minutes": 90, "during": "never"}}}}
    ).alerts.freshness_expectations()
    assert chosen[6] == {"source": "hr", "max_lag_minutes": 90, "during": "never"}
