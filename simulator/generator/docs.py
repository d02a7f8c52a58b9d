"""Keep docs/dataset.md's field tables in step with the source contract
(extractors/contract.py).

    python -m simulator.generator.docs          # rewrite the generated block
    python -m simulator.generator.docs --check  # exit 1 when it is stale

Everything between the two markers is generated; the prose around it is hand-written.
"""

from __future__ import annotations

import sys
from pathlib import Path

from extractors import contract

BEGIN = "<!-- BEGIN GENERATED: python -m simulator.generator.docs -->"
END = "<!-- END GENERATED -->"
DATASET_MD = Path(__file__).resolve().parents[2] / "docs" / "dataset.md"


def markdown() -> str:
    """The per-entity field tables of docs/dataset.md (kept in sync by a test)."""
    out: list[str] = []
    for source in contract.SOURCES:
        out.append(f"### {source}\n")
        for ent in contract.entities_of(source):
            key = ", ".join(f"`{k}`" for k in ent.key)
            out.append(f"#### `{ent.path}`\n")
            out.append(f"{' '.join(ent.doc.split())}\n")
            meta = f"Key: {key}. Version column: `{ent.modstamp}`."
            if ent.deleted:
                meta += f" Delete marker: `{ent.deleted}`."
            if ent.protocol_name:
                meta += f" Protocol name: `{ent.protocol_name}`."
            out.append(meta + "\n")
            out.append("| # | field | type | required | meaning |")
            out.append("| --- | --- | --- | --- | --- |")
            for i, f in enumerate(ent.fields, start=1):
                doc = " ".join(f.doc.split()).replace("|", "\\|")
                out.append(
                    f"| {i} | `{f.name}` | {f.type} | {'yes' if f.required else ''} | {doc} |"
                )
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def render(text: str) -> str:
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n\n{markdown()}\n{END}{tail}"


def main(argv: list[str]) -> int:
    text = DATASET_MD.read_text(encoding="utf-8")
    fresh = render(text)
    if "--check" in argv:
        if fresh != text:
            print(f"{DATASET_MD} is stale: run python -m simulator.generator.docs")
            return 1
        return 0
    DATASET_MD.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
