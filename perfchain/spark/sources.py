"""The tables dbt reads as sources, exported from a DuckDB warehouse to Parquet and
registered in a SparkSession as external tables in the schemas the sources name.

The list comes from the dbt project's own source YAML (`models/**/_*__sources.yml`: schema,
and identifier or name), so a source added to the project is exported without a change
here. One folder per table (`<root>/<schema>/<identifier>/data.parquet`): a Spark table's
location is a folder, and on a cluster the same layout is a prefix in object storage
(docs/scale-out.md).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import yaml

from perfchain.core.settings import REPO_ROOT

MODELS_DIR = REPO_ROOT / "dbt_project" / "models"

# DuckDB types Parquet or Spark cannot take as they are, and what they are exported as.
_EXPORT_CASTS = {"UUID": "varchar", "JSON": "varchar", "HUGEINT": "decimal(38, 0)"}


@dataclass(frozen=True)
class SourceTable:
    schema: str
    identifier: str

    @property
    def name(self) -> str:
        return f"{self.schema}.{self.identifier}"


def source_tables(models_dir: Path = MODELS_DIR) -> list[SourceTable]:
    """Every table the dbt project declares as a source, once, in a stable order."""
    tables: set[SourceTable] = set()
    for path in sorted(models_dir.rglob("*.yml")):
        document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for source in document.get("sources") or []:
            schema = source.get("schema") or source["name"]
            for table in source.get("tables") or []:
                tables.add(SourceTable(schema, table.get("identifier") or table["name"]))
    return sorted(tables, key=lambda t: (t.schema, t.identifier))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def export_sources(
    con: duckdb.DuckDBPyConnection, tables: list[SourceTable], root: Path
) -> tuple[dict[SourceTable, Path], list[SourceTable]]:
    """Each source table that exists in `con` as Parquet under `root` (emptied first); the
    folders by table, and the tables the warehouse does not have (the alerts package
    creates its working tables on first use; dbt's staging reads them as empty then)."""
    if root.exists():
        shutil.rmtree(root)
    existing = {
        (schema, table)
        for schema, table in con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = current_database()"
        ).fetchall()
    }
    folders, missing = {}, []
    for table in tables:
        if (table.schema, table.identifier) not in existing:
            missing.append(table)
            continue
        columns = con.execute(
            "select column_name, data_type from duckdb_columns() "
            "where database_name = current_database() and schema_name = ? and table_name = ? "
            "order by column_index",
            [table.schema, table.identifier],
        ).fetchall()
        select = ", ".join(
            f"cast({_quote(c)} as {_EXPORT_CASTS[t]}) as {_quote(c)}"
            if t in _EXPORT_CASTS
            else _quote(c)
            for c, t in columns
        )
        folder = root / table.schema / table.identifier
        folder.mkdir(parents=True)
        target = str(folder / "data.parquet").replace("'", "''")
        con.execute(
            f"copy (select {select} from {_quote(table.schema)}.{_quote(table.identifier)}) "
            f"to '{target}' (format parquet)"
        )
        folders[table] = folder
    return folders, missing


def register_sources(spark: Any, folders: dict[SourceTable, Path]) -> None:
    """Each exported table as an external Parquet table of `spark`'s metastore, under the
    schema and name dbt's source names (`raw.crm__users`, `alerts.outbox`, ...)."""
    for schema in sorted({table.schema for table in folders}):
        spark.sql(f"create database if not exists `{schema}`")
    for table, folder in folders.items():
        spark.sql(f"drop table if exists `{table.schema}`.`{table.identifier}`")
        spark.sql(
            f"create table `{table.schema}`.`{table.identifier}` using parquet "
            f"location '{folder.resolve().as_uri()}'"
        )
