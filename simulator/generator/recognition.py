"""Recognition plants (SPEC 9.4-9.5, docs/planted.md#recognition): the HR training records
behind the 「设备语言翻译官」 badge.

The maintenance crew of plant 1 takes the MES fault-code course: the first two pass it
(one badge each), the third is only enrolled (no badge, the case that must not award).
A few operators pass a safety course that no badge rule names. Same seed, same rows.
"""

from __future__ import annotations

from typing import Any

from simulator.generator.clock import DAY, HOUR, dstr, ts_offset
from simulator.generator.context import Ctx

FAULT_COURSE = ("MES-FAULT-101", "MES故障代码解读")
SAFETY_COURSE = ("SAFE-201", "安全操作复训")
COMPLETED_AFTER_DAYS = (9, 16)  # days after the start the two maintainers pass


def training_records(ctx: Ctx) -> dict[str, Any]:
    """Write hr/training_records; return what is planted (for planted.json)."""
    plant = ctx.plant
    last = ctx.end_day - 1
    crew = [emp for emp in plant.employees if emp.role == "maintenance"][:3]
    operators = [emp for emp in plant.employees if emp.role == "operator"][:4]
    rows = []
    completed: list[dict[str, str]] = []
    for k, emp in enumerate(crew):
        record_id = f"TR{plant.no:02d}{k + 1:04d}"
        if k < len(COMPLETED_AFTER_DAYS):
            day = min(ctx.start_day + COMPLETED_AFTER_DAYS[k], last)
            rows.append(
                (
                    record_id,
                    emp.no,
                    *FAULT_COURSE,
                    "completed",
                    dstr(day),
                    f"{88 + 3 * k}",
                    ts_offset(day * DAY + 17 * HOUR),
                )
            )
            completed.append({"employee_no": emp.no, "completed_on": dstr(day)})
        else:
            rows.append(
                (
                    record_id,
                    emp.no,
                    *FAULT_COURSE,
                    "enrolled",
                    "",
                    "",
                    ts_offset(ctx.start_day * DAY + 9 * HOUR),
                )
            )
    for k, emp in enumerate(operators):
        day = min(ctx.start_day + 5 + k, last)
        rows.append(
            (
                f"TR{plant.no:02d}{k + 101:04d}",
                emp.no,
                *SAFETY_COURSE,
                "completed",
                dstr(day),
                "95",
                ts_offset(day * DAY + 17 * HOUR),
            )
        )
    ctx.sink.rows("hr/training_records", rows)
    return {
        "course_code": FAULT_COURSE[0],
        "completed": completed,
        "enrolled_only": [emp.no for emp in crew[len(COMPLETED_AFTER_DAYS) :]],
    }
