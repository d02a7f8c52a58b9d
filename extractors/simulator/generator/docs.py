"""Keep docs/dataset.md's field tables in step with schema.py.

    python -m extractors.simulator.generator.docs          # rewrite the generated block
    python -m extractors.simulator.generator.docs --check  # exit 1 when it is stale

Everything between the two markers is generated; the prose around it is hand-written.
"""

from __future__ import annotations

import sys
from pathlib import Path

from extractors.simulator import schema

BEGIN = "<!-- BEGIN GENERATED: python -m extractors.simulator.generator.docs -->"
END = "<!-- END GENERATED -->"
DATASET_MD = Path(__file__).resolve().parents[3] / "docs" / "dataset.md"


def render(text: str) -> str:
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n\n{schema.markdown()}\n{END}{tail}"


def main(argv: list[str]) -> int:
    text = DATASET_MD.read_text(encoding="utf-8")
    fresh = render(text)
    if "--check" in argv:
        if fresh != text:
            print(f"{DATASET_MD} is stale: run python -m extractors.simulator.generator.docs")
            return 1
        return 0
    DATASET_MD.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
