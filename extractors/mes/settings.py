"""MES endpoints (docs/sources/mes.md): the MTConnect agent and the production REST API."""

MTCONNECT_PATH = "/mtconnect"
STREAMS_NS = "{urn:mtconnect.org:MTConnectStreams:1.8}"
DEVICES_NS = "{urn:mtconnect.org:MTConnectDevices:1.8}"
SAMPLE_COUNT = 10_000  # state changes per /sample request
# Inverse of the agent mapping (docs/sources/mes.md): Execution value → our state.
EXECUTION_STATES = {"ACTIVE": "running", "STOPPED": "planned_stop", "INTERRUPTED": "unplanned_down"}
# The state a recorded gap lands as: MTConnect's UNAVAILABLE, "the value is not known".
GAP_STATE = "unavailable"
