"""Every published mart's suite, in the order the gate runs and reports them."""

from __future__ import annotations

from expectations import (
    dim_customer,
    dim_date,
    dim_employee,
    dim_machine,
    dim_product,
    dim_team,
    fct_employee_score,
    fct_employee_score_explained,
    fct_goal_attainment,
    fct_oee_shift,
    fct_order_contribution,
    fct_order_delivery,
    fct_signal_response,
    fct_team_quality_hourly,
    kpi_daily,
    kpi_period,
    order_360,
)
from expectations.suite import MartSuite

SUITES: dict[str, MartSuite] = {
    module.SUITE.mart: module.SUITE
    for module in (
        dim_date,
        dim_employee,
        dim_team,
        dim_customer,
        dim_machine,
        dim_product,
        fct_order_delivery,
        fct_order_contribution,
        fct_team_quality_hourly,
        fct_oee_shift,
        fct_signal_response,
        kpi_daily,
        kpi_period,
        order_360,
        fct_goal_attainment,
        fct_employee_score_explained,
        fct_employee_score,
    )
}
