"""The simulator's alert robots answer as WeCom and DingTalk do (source-apis.md §4): the
real error bodies for a bad key, token or sign, the 20-a-minute limit, the size limits,
and a record of what they received that holds no secret."""

from __future__ import annotations

import time
from typing import Any

import requests

from simulator.server import SimulatorServer
from simulator.server.robots import (
    RobotBoard,
    demo_dingtalk_secret,
    demo_dingtalk_token,
    demo_wecom_key,
    dingtalk_sign,
)

MARKDOWN = {"msgtype": "markdown", "markdown": {"content": "## 预警\n> 班组 T01"}}


def _wecom(http: requests.Session, sim: SimulatorServer, key: str, body: Any = None) -> Any:
    url = f"{sim.base_url}/wecom/cgi-bin/webhook/send"
    response = http.post(url, params={"key": key}, json=MARKDOWN if body is None else body)
    assert response.status_code == 200  # WeCom answers 200 also on error
    return response.json()


def _dingtalk(
    http: requests.Session,
    sim: SimulatorServer,
    *,
    token: str | None = None,
    secret: str | None = None,
    timestamp: int | None = None,
    body: Any = None,
) -> Any:
    stamp = str(int(time.time() * 1000) if timestamp is None else timestamp)
    params = {
        "access_token": token or demo_dingtalk_token("plant"),
        "timestamp": stamp,
        "sign": dingtalk_sign(secret or demo_dingtalk_secret("plant"), stamp),
    }
    payload = body or {"msgtype": "markdown", "markdown": {"title": "预警", "text": "## 预警"}}
    response = http.post(f"{sim.base_url}/dingtalk/robot/send", params=params, json=payload)
    assert response.status_code == 200
    return response.json()


def _received(http: requests.Session, sim: SimulatorServer, every: bool = False) -> Any:
    params = {"all": "1"} if every else {}
    return http.get(f"{sim.base_url}/robots/received", params=params).json()


def test_wecom_accepts_its_key_and_refuses_others_with_its_codes(
    sim: SimulatorServer, http: requests.Session
) -> None:
    assert _wecom(http, sim, demo_wecom_key("plant")) == {"errcode": 0, "errmsg": "ok"}
    assert _wecom(http, sim, "no-such-key")["errcode"] == 93000
    long = {"msgtype": "markdown", "markdown": {"content": "预" * 1366}}  # 4098 bytes
    answer = _wecom(http, sim, demo_wecom_key("plant"), long)
    assert answer["errcode"] == 40058 and "4096" in answer["errmsg"]
    fits = {"msgtype": "markdown", "markdown": {"content": "预" * 1365 + "a"}}  # 4096 bytes
    assert _wecom(http, sim, demo_wecom_key("plant"), fits)["errcode"] == 0
    received = _received(http, sim)
    assert [(r["channel"], r["robot"]) for r in received] == [("wecom", "plant")] * 2
    assert received[0]["body"] == MARKDOWN
    assert [r["errcode"] for r in _received(http, sim, every=True)] == [0, 93000, 40058, 0]
    assert demo_wecom_key("plant") not in str(_received(http, sim, every=True))


def test_dingtalk_checks_token_sign_and_timestamp(
    sim: SimulatorServer, http: requests.Session
) -> None:
    assert _dingtalk(http, sim) == {"errcode": 0, "errmsg": "ok"}
    assert _dingtalk(http, sim, token="nope") == {"errcode": 300001, "errmsg": "token is not exist"}
    assert _dingtalk(http, sim, secret="SECwrong") == {
        "errcode": 310000,
        "errmsg": "sign not match",
    }
    # A correct sign over a timestamp more than an hour off is refused too.
    stale = int(time.time() * 1000) - 3_700_000
    assert _dingtalk(http, sim, timestamp=stale)["errcode"] == 310000
    within = int(time.time() * 1000) - 3_500_000
    assert _dingtalk(http, sim, timestamp=within)["errcode"] == 0
    big = {"msgtype": "markdown", "markdown": {"title": "t", "text": "x" * 20_001}}
    assert _dingtalk(http, sim, body=big)["errcode"] == 460101
    log = _received(http, sim, every=True)
    assert [r["errcode"] for r in log] == [0, 300001, 310000, 310000, 0, 460101]
    for secret in (demo_dingtalk_token("plant"), demo_dingtalk_secret("plant")):
        assert secret not in str(log)


def test_over_twenty_a_minute_is_refused_per_robot(
    sim: SimulatorServer, http: requests.Session
) -> None:
    codes = [_wecom(http, sim, demo_wecom_key("plant"))["errcode"] for _ in range(21)]
    assert codes == [0] * 20 + [45009]
    # Another robot has its own minute.
    assert _wecom(http, sim, demo_wecom_key("quality"))["errcode"] == 0
    codes = [_dingtalk(http, sim)["errcode"] for _ in range(21)]
    assert codes == [0] * 20 + [130101]
    assert len([r for r in _received(http, sim) if r["channel"] == "wecom"]) == 21


def test_the_rolling_minute_and_dingtalks_ten_minute_throttle() -> None:
    now = [0.0]
    board = RobotBoard(clock=lambda: now[0])
    assert [board.over_limit("wecom", "plant") for _ in range(21)] == [False] * 20 + [True]
    assert [board.over_limit("dingtalk", "plant") for _ in range(21)] == [False] * 20 + [True]
    now[0] = 60.0  # the minute has rolled: WeCom takes posts again, DingTalk is throttled
    assert board.over_limit("wecom", "plant") is False
    assert board.over_limit("dingtalk", "plant") is True
    now[0] = 601.0
    assert board.over_limit("dingtalk", "plant") is False


def test_over_the_limit_can_be_armed_for_the_next_calls(
    sim: SimulatorServer, http: requests.Session
) -> None:
    armed = http.post(
        f"{sim.base_url}/robots/faults",
        json={"channel": "wecom", "robot": "plant", "over_limit": 2},
    )
    assert armed.json() == {"channel": "wecom", "robot": "plant", "over_limit": 2}
    codes = [_wecom(http, sim, demo_wecom_key("plant"))["errcode"] for _ in range(3)]
    assert codes == [45009, 45009, 0]
    http.post(
        f"{sim.base_url}/robots/faults",
        json={"channel": "dingtalk", "robot": "plant", "over_limit": 1},
    )
    assert [_dingtalk(http, sim)["errcode"] for _ in range(2)] == [130101, 0]
    bad = http.post(f"{sim.base_url}/robots/faults", json={"channel": "sms", "robot": "x"})
    assert bad.status_code == 400
    # /_sim/reset forgets the calls too.
    http.post(f"{sim.base_url}/_sim/reset")
    assert _received(http, sim, every=True) == []


def test_robots_from_the_environment_replace_the_demo_values() -> None:
    board = RobotBoard.from_env(
        {
            "PERFCHAIN_WECOM_KEY_PLANT": "real-key",
            "PERFCHAIN_DINGTALK_TOKEN_LINE2": "tok",
            "PERFCHAIN_DINGTALK_SECRET_LINE2": "SECsec",
        }
    )
    assert board.wecom["real-key"] == "plant"
    assert demo_wecom_key("plant") not in board.wecom
    assert board.wecom[demo_wecom_key("quality")] == "quality"
    assert board.dingtalk["tok"] == ("line2", "SECsec")
