"""The alert robots: WeCom group robot and DingTalk custom robot, as they answer.

`POST /wecom/cgi-bin/webhook/send?key=KEY` and
`POST /dingtalk/robot/send?access_token=T&timestamp=MS&sign=S` on the simulator's port,
with the real bodies (HTTP 200 and `{"errcode": ..., "errmsg": ...}` also on error,
source-apis.md §4): WeCom 93000 for an unknown key, 45009 over 20 messages per minute,
40058 for markdown over 4096 bytes; DingTalk 300001 for an unknown token, 310000 for a
bad sign or a timestamp more than an hour off, 130101 over 20 per minute (then 10 minutes
of throttle), 460101 for a body over 20000 bytes.

Every call is recorded without its key, token or sign: `GET /robots/received` lists the
accepted messages (`?all=1` every call, with its errcode), for tests and the signals
benchmark. `POST /robots/faults {"channel": "wecom", "robot": "plant", "over_limit": N}`
makes the robot answer "over the limit" to its next N calls; `POST /robots/reset` forgets
calls, faults and throttles. The demo robots and their public demo secrets are in
DEMO_ROBOTS; `PERFCHAIN_WECOM_KEY_<NAME>`, `PERFCHAIN_DINGTALK_TOKEN_<NAME>` and
`PERFCHAIN_DINGTALK_SECRET_<NAME>` in a simulator process's environment add or replace
robots, as Credentials.from_env does for the sources.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from flask import Blueprint, Flask, Response, current_app, request

from simulator.server.common import json_obj

STATE_KEY = "perfchain_robots"
PER_MINUTE = 20
DINGTALK_THROTTLE_SECONDS = 600.0
SIGN_WINDOW_MS = 3_600_000
WECOM_MARKDOWN_BYTES = 4096
WECOM_TEXT_BYTES = 2048
DINGTALK_BODY_BYTES = 20000

# Public demo values (nothing here is a secret), one robot of each kind per name.
DEMO_ROBOTS = ("plant", "quality", "maintenance")


def demo_wecom_key(robot: str) -> str:
    return f"demo-wecom-key-{robot}"


def demo_dingtalk_token(robot: str) -> str:
    return f"demo-dingtalk-token-{robot}"


def demo_dingtalk_secret(robot: str) -> str:
    return f"SECdemo-dingtalk-secret-{robot}"


@dataclass
class Call:
    channel: str
    robot: str | None
    errcode: int
    errmsg: str
    body: Any
    at: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "robot": self.robot,
            "errcode": self.errcode,
            "errmsg": self.errmsg,
            "body": self.body,
            "at": self.at,
        }


class RobotBoard:
    """The robots one simulator serves, their limits, faults and what they received."""

    def __init__(
        self,
        wecom: Mapping[str, str] | None = None,
        dingtalk: Mapping[str, tuple[str, str]] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        # key -> robot; token -> (robot, secret)
        self.wecom = dict(wecom or {demo_wecom_key(name): name for name in DEMO_ROBOTS})
        self.dingtalk = dict(
            dingtalk
            or {
                demo_dingtalk_token(name): (name, demo_dingtalk_secret(name))
                for name in DEMO_ROBOTS
            }
        )
        self.clock = clock
        self.calls: list[Call] = []
        self._posts: dict[tuple[str, str], deque[float]] = {}
        self._throttled_until: dict[tuple[str, str], float] = {}
        self._over_limit: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RobotBoard:
        """The demo robots, plus or replaced by the robots named in the environment."""
        environ = os.environ if environ is None else environ
        board = cls()
        for name, value in environ.items():
            if name.startswith("PERFCHAIN_WECOM_KEY_") and value:
                robot = name.removeprefix("PERFCHAIN_WECOM_KEY_").lower()
                board.wecom = {k: r for k, r in board.wecom.items() if r != robot}
                board.wecom[value] = robot
            if name.startswith("PERFCHAIN_DINGTALK_TOKEN_") and value:
                robot = name.removeprefix("PERFCHAIN_DINGTALK_TOKEN_").lower()
                secret = environ.get(f"PERFCHAIN_DINGTALK_SECRET_{robot.upper()}", "")
                if secret:
                    board.dingtalk = {t: v for t, v in board.dingtalk.items() if v[0] != robot}
                    board.dingtalk[value] = (robot, secret)
        return board

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self._posts.clear()
            self._throttled_until.clear()
            self._over_limit.clear()

    def arm_over_limit(self, channel: str, robot: str, count: int) -> None:
        with self._lock:
            self._over_limit[(channel, robot)] = count

    def over_limit(self, channel: str, robot: str) -> bool:
        """Count this call against the robot's rolling minute; True when it is refused."""
        key = (channel, robot)
        with self._lock:
            now = self.clock()
            armed = self._over_limit.get(key, 0)
            if armed > 0:
                self._over_limit[key] = armed - 1
                return True
            if self._throttled_until.get(key, 0.0) > now:
                return True
            posts = self._posts.setdefault(key, deque())
            while posts and now - posts[0] >= 60.0:
                posts.popleft()
            if len(posts) >= PER_MINUTE:
                if channel == "dingtalk":
                    self._throttled_until[key] = now + DINGTALK_THROTTLE_SECONDS
                return True
            posts.append(now)
            return False

    def record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def received(self, every: bool = False) -> list[dict[str, Any]]:
        with self._lock:
            return [c.to_dict() for c in self.calls if every or c.errcode == 0]


def board() -> RobotBoard:
    return current_app.extensions[STATE_KEY]


def _answer(call: Call) -> Response:
    board().record(call)
    return json_obj({"errcode": call.errcode, "errmsg": call.errmsg})


def _body() -> tuple[Any, int]:
    raw = request.get_data()
    try:
        return orjson.loads(raw), len(raw)
    except orjson.JSONDecodeError:
        return None, len(raw)


bp = Blueprint("robots", __name__)


@bp.post("/wecom/cgi-bin/webhook/send")
def wecom_send() -> Response:
    robot = board().wecom.get(request.args.get("key", ""))
    body, _size = _body()
    if robot is None:
        return _answer(Call("wecom", None, 93000, "invalid webhook url, hint: [sim]", body))
    if not isinstance(body, dict) or body.get("msgtype") not in ("text", "markdown"):
        return _answer(Call("wecom", robot, 40008, "invalid message type, hint: [sim]", body))
    content = str((body.get(body["msgtype"]) or {}).get("content") or "")
    limit = WECOM_MARKDOWN_BYTES if body["msgtype"] == "markdown" else WECOM_TEXT_BYTES
    if not content:
        return _answer(Call("wecom", robot, 44004, "empty content, hint: [sim]", body))
    if len(content.encode("utf-8")) > limit:
        message = f"{body['msgtype']}.content exceed max length {limit}. hint: [sim]"
        return _answer(Call("wecom", robot, 40058, message, body))
    if board().over_limit("wecom", robot):
        message = "api freq out of limit, hint: [sim]"
        return _answer(Call("wecom", robot, 45009, message, body))
    return _answer(Call("wecom", robot, 0, "ok", body))


def dingtalk_sign(secret: str, timestamp: str) -> str:
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode("ascii")


@bp.post("/dingtalk/robot/send")
def dingtalk_send() -> Response:
    found = board().dingtalk.get(request.args.get("access_token", ""))
    body, size = _body()
    if found is None:
        return _answer(Call("dingtalk", None, 300001, "token is not exist", body))
    robot, secret = found
    timestamp = request.args.get("timestamp", "")
    sign = request.args.get("sign", "")  # Flask has already URL-decoded it
    try:
        skew = abs(int(timestamp) - int(board().clock() * 1000))
    except ValueError:
        skew = SIGN_WINDOW_MS + 1
    if skew > SIGN_WINDOW_MS:
        return _answer(Call("dingtalk", robot, 310000, "timestamp is out of range", body))
    if not hmac.compare_digest(sign, dingtalk_sign(secret, timestamp)):
        return _answer(Call("dingtalk", robot, 310000, "sign not match", body))
    if size > DINGTALK_BODY_BYTES:
        return _answer(Call("dingtalk", robot, 460101, "message too long", body))
    if not isinstance(body, dict) or body.get("msgtype") not in ("text", "markdown"):
        return _answer(Call("dingtalk", robot, 40035, "缺少参数 msgtype", body))
    if board().over_limit("dingtalk", robot):
        message = "send too fast, exceed 20 times per minute"
        return _answer(Call("dingtalk", robot, 130101, message, body))
    return _answer(Call("dingtalk", robot, 0, "ok", body))


@bp.get("/robots/received")
def received() -> Response:
    return json_obj(board().received(every=request.args.get("all") in ("1", "true")))


@bp.post("/robots/faults")
def faults() -> Response:
    body = request.get_json(silent=True) or {}
    channel, robot = body.get("channel"), body.get("robot")
    try:
        count = int(body.get("over_limit", 1))
    except (TypeError, ValueError):
        count = -1
    if channel not in ("wecom", "dingtalk") or not robot or count < 0:
        return json_obj(
            {"error": 'expected {"channel": "wecom"|"dingtalk", "robot": name, "over_limit": N}'},
            400,
        )
    board().arm_over_limit(channel, str(robot), count)
    return json_obj({"channel": channel, "robot": robot, "over_limit": count})


@bp.post("/robots/reset")
def reset() -> Response:
    board().reset()
    return json_obj({"received": 0})


def install(app: Flask, robots: RobotBoard | None = None) -> RobotBoard:
    """Serve the robots on `app` (the demo robots plus any from the environment)."""
    found = robots or RobotBoard.from_env()
    app.extensions[STATE_KEY] = found
    app.register_blueprint(bp)
    return found
