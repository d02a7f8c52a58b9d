"""The source-system simulator: serves a dataset over each source's real protocol.

One loopback port, a path prefix per source (``/crm`` Salesforce REST, ``/erp`` Yonyou U8+
OpenAPI, ``/oa`` Weaver e-cology, ``/mes`` an MTConnect agent plus our MES REST API,
``/qms`` ``/wms`` ``/hr`` our REST APIs). docs/simulator.md and docs/sources/*.md are the
contract; the extractors' tests run against it over real HTTP.
"""

from simulator.server.app import create_app
from simulator.server.credentials import Credentials, env_name
from simulator.server.faults import KINDS, Fault, FaultPlan, parse_faults
from simulator.server.runner import SimulatorServer, serve_forever
from simulator.server.state import LoggedRequest, SimState
from simulator.server.store import DataStore

__all__ = [
    "KINDS",
    "Credentials",
    "DataStore",
    "Fault",
    "FaultPlan",
    "LoggedRequest",
    "SimState",
    "SimulatorServer",
    "create_app",
    "env_name",
    "parse_faults",
    "serve_forever",
]
