"""The dbt build of the demo factory, shared with tests/warehouse (one per session)."""

from tests.warehouse.conftest import warehouse  # noqa: F401
