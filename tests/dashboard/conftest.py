"""The demo warehouse (the session's shared dbt build) for the dashboard's browser tests."""

from tests.warehouse.conftest import warehouse  # noqa: F401
