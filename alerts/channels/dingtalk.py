"""DingTalk (钉钉) custom robot with the signing security setting.

`POST {base_url}/robot/send?access_token=T&timestamp=<ms>&sign=<s>`, where s is
base64(HmacSHA256(key=secret, msg=f"{timestamp}\\n{secret}")) (URL-encoded by requests),
and the timestamp must be within an hour of the server's clock. Errors (HTTP 200, errcode
≠ 0): 310000 bad sign / keyword / IP, 130101 over 20 a minute (then a 10-minute
throttle), 300001 unknown token, 460101 body over 20000 bytes (source-apis.md §4).
Hand-written: dingtalkchatbot does this but is unmaintained, and it is thirty lines.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable, Mapping

import requests

from alerts.channels import (
    Digest,
    RateLimited,
    Rejected,
    env_var,
    post_robot,
    robot_secrets,
)

# The body limit is 20000 bytes; the text is kept well inside it, leaving room for the
# JSON around it and for the escaping of the markdown.
MAX_TEXT_BYTES = 16000
TOO_FAST = 130101
BAD_SIGN = 310000
BAD_TOKEN = 300001
# DingTalk throttles a robot for 10 minutes after it went over 20 a minute.
TOO_FAST_RETRY_MINUTES = 10.0


def sign(secret: str, timestamp_ms: int) -> str:
    """The `sign` parameter before URL encoding."""
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode("ascii")


class DingtalkRobot:
    name = "dingtalk"
    max_bytes = MAX_TEXT_BYTES

    def __init__(
        self,
        base_url: str,
        robots: list[str],
        environ: Mapping[str, str],
        http: requests.Session,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.robots = robots
        self.environ = environ
        self.http = http
        self.timeout = timeout
        # The signature is checked against DingTalk's wall clock, never the batch's as-of
        # moment (a replayed batch still signs with the real time).
        self.clock = clock

    def send(self, target: str, digest: Digest) -> None:
        secrets = robot_secrets(self.name, target, self.robots, self.environ)
        timestamp = int(self.clock() * 1000)
        params = {
            "access_token": secrets["token"],
            "timestamp": str(timestamp),
            "sign": sign(secrets["secret"], timestamp),
        }
        body = {
            "msgtype": "markdown",
            "markdown": {"title": digest.title, "text": digest.text},
            "at": {"atUserIds": list(digest.mentions), "isAtAll": False},
        }
        where = f"dingtalk robot {target!r}"
        answer = post_robot(
            self.http,
            f"{self.base_url}/robot/send",
            params,
            body,
            where=where,
            timeout=self.timeout,
        )
        code = int(answer.get("errcode", -1))
        message = str(answer.get("errmsg", ""))
        if code == 0:
            return
        if code == TOO_FAST:
            raise RateLimited(
                f"{where}: errcode {code} {message} (over 20 messages a minute; DingTalk "
                "then throttles the robot for 10 minutes)",
                TOO_FAST_RETRY_MINUTES,
            )
        if code == BAD_SIGN:
            raise Rejected(
                f"{where}: errcode {code} {message}: the signature was refused; check "
                f"{env_var(self.name, 'secret', target)} (and that the robot's security "
                "setting is 加签/signing, and this host's clock)",
                whole_target=True,
            )
        if code == BAD_TOKEN:
            raise Rejected(
                f"{where}: errcode {code} {message}: the access token was refused; check "
                f"{env_var(self.name, 'token', target)}",
                whole_target=True,
            )
        raise Rejected(f"{where}: errcode {code} {message}")
