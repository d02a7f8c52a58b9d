"""WeCom (企业微信) group robot: one markdown message per digest.

`POST {base_url}/cgi-bin/webhook/send?key=KEY` with `{"msgtype": "markdown", ...}`; the
answer is HTTP 200 with `{"errcode": 0, "errmsg": "ok"}`, also on error. Markdown is at
most 4096 bytes; 20 messages per minute per robot, 45009 above it (back off about 60 s);
93000 for an invalid or removed key (source-apis.md §4). Hand-written, as the reference
advises: the PyPI helpers are young or stale, and this is one POST.
"""

from __future__ import annotations

from collections.abc import Mapping

import requests

from alerts.channels import (
    Digest,
    RateLimited,
    Rejected,
    env_var,
    post_robot,
    robot_secrets,
)

MAX_MARKDOWN_BYTES = 4096
OVER_LIMIT = 45009
BAD_KEY = 93000
# WeCom answers 45009 until the rolling minute has room again.
OVER_LIMIT_RETRY_MINUTES = 1.0


class WecomRobot:
    name = "wecom"
    max_bytes = MAX_MARKDOWN_BYTES

    def __init__(
        self,
        base_url: str,
        robots: list[str],
        environ: Mapping[str, str],
        http: requests.Session,
        timeout: float = 10.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.robots = robots
        self.environ = environ
        self.http = http
        self.timeout = timeout

    def send(self, target: str, digest: Digest) -> None:
        key = robot_secrets(self.name, target, self.robots, self.environ)["key"]
        size = len(digest.text.encode("utf-8"))
        if size > self.max_bytes:
            # render.py splits digests to fit; a longer text here is a bug, not a send.
            raise Rejected(f"wecom robot {target!r}: markdown of {size} bytes > 4096")
        # `<@userid>` mentions sit in the text itself: WeCom's mentioned_list is for text
        # messages only.
        body = {"msgtype": "markdown", "markdown": {"content": digest.text}}
        where = f"wecom robot {target!r}"
        answer = post_robot(
            self.http,
            f"{self.base_url}/cgi-bin/webhook/send",
            {"key": key},
            body,
            where=where,
            timeout=self.timeout,
        )
        code = int(answer.get("errcode", -1))
        message = str(answer.get("errmsg", ""))
        if code == 0:
            return
        if code == OVER_LIMIT:
            raise RateLimited(
                f"{where}: errcode {code} {message} (over 20 messages a minute)",
                OVER_LIMIT_RETRY_MINUTES,
            )
        if code == BAD_KEY:
            raise Rejected(
                f"{where}: errcode {code} {message}: the key was refused; check "
                f"{env_var(self.name, 'key', target)}",
                whole_target=True,
            )
        raise Rejected(f"{where}: errcode {code} {message}")
