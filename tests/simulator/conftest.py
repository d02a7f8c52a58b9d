"""Fixtures for the simulator's protocol tests: the hand-written dataset, served on loopback."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from simulator.server import Credentials, SimulatorServer
from tests.simulator.handmade import Handmade, write_handmade

DEMO = Credentials()


@pytest.fixture(scope="session")
def handmade(tmp_path_factory: pytest.TempPathFactory) -> Handmade:
    return write_handmade(tmp_path_factory.mktemp("handmade"))


@pytest.fixture(scope="session")
def _handmade_server(handmade: Handmade) -> Iterator[SimulatorServer]:
    with SimulatorServer(handmade.root) as server:
        yield server


@pytest.fixture
def sim(_handmade_server: SimulatorServer) -> Iterator[SimulatorServer]:
    """The hand-made dataset's simulator, clean for each test."""
    _handmade_server.reset()
    yield _handmade_server
    _handmade_server.reset()


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def crm_token(http: requests.Session, sim: SimulatorServer) -> dict[str, Any]:
    response = http.post(
        sim.url("crm") + "/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": DEMO.crm_client_id,
            "client_secret": DEMO.crm_client_secret,
        },
    )
    assert response.status_code == 200, response.text
    return response.json()


def erp_token(http: requests.Session, sim: SimulatorServer) -> str:
    body = http.get(
        sim.url("erp") + "/system/token",
        params={
            "from_account": DEMO.erp_from_account,
            "app_key": DEMO.erp_app_key,
            "app_secret": DEMO.erp_app_secret,
        },
    ).json()
    assert body["errcode"] == "0", body
    return body["token"]["id"]


def erp_params(token: str, **extra: Any) -> dict[str, Any]:
    return {
        "from_account": DEMO.erp_from_account,
        "to_account": DEMO.erp_to_account,
        "app_key": DEMO.erp_app_key,
        "token": token,
        "ds_sequence": DEMO.erp_ds_sequence,
        **extra,
    }


def rest_token(http: requests.Session, sim: SimulatorServer, source: str) -> str:
    client_id, client_secret = DEMO.rest_client(source)
    response = http.post(
        sim.url(source) + "/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        },
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


class WeaverClient:
    """The e-cology handshake as a client does it: register, apply for a token, sign userid."""

    def __init__(self, http: requests.Session, sim: SimulatorServer) -> None:
        self.http = http
        self.base = sim.url("oa")
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
        self.spk: Any = None
        self.secrit = ""
        self.token = ""

    def regist(self) -> dict[str, Any]:
        cpk = base64.b64encode(
            self.key.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        ).decode()
        body = self.http.post(
            self.base + "/api/ec/dev/auth/regist", headers={"appid": DEMO.oa_appid, "cpk": cpk}
        ).json()
        if body.get("status"):
            self.secrit = body["secrit"]
            self.spk = serialization.load_der_public_key(base64.b64decode(body["spk"]))
        return body

    def encrypt(self, text: str) -> str:
        return base64.b64encode(self.spk.encrypt(text.encode(), padding.PKCS1v15())).decode()

    def applytoken(self, secrit: str | None = None, ttl: int = 1800) -> dict[str, Any]:
        body = self.http.post(
            self.base + "/api/ec/dev/auth/applytoken",
            headers={
                "appid": DEMO.oa_appid,
                "secret": self.encrypt(secrit or self.secrit),
                "time": str(ttl),
            },
        ).json()
        if body.get("status"):
            self.token = body["token"]
        return body

    def login(self) -> WeaverClient:
        self.regist()
        self.applytoken()
        return self

    def headers(self) -> dict[str, str]:
        return {
            "appid": DEMO.oa_appid,
            "token": self.token,
            "userid": self.encrypt(DEMO.oa_user_id),
        }

    def post(self, path: str, **form: Any) -> requests.Response:
        return self.http.post(self.base + path, headers=self.headers(), data=form)

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.http.get(self.base + path, headers=self.headers(), params=params)


def sample_path(sim: SimulatorServer) -> str:
    return sim.url("mes") + "/mtconnect/sample"
