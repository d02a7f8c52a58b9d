"""The local SparkSession `make test-spark` builds the dbt project in.

dbt-spark's `session` method (profile target `spark`, dbt_project/profiles.yml) runs its
SQL through `SparkSession.builder.getOrCreate()` in the dbt process. This module creates
that session first, in the same process, with what a reproducible local run needs: two
cores (`local[2]`), the session time zone UTC (as DuckDB's `TimeZone`), the warehouse and
the Derby metastore in a folder of their own under var/, the driver on loopback and no web
UI (network: loopback only), and few shuffle partitions (Spark's default of 200 is made
for a cluster; on the demo's few MB each query would start 200 empty tasks).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

SHUFFLE_PARTITIONS = 4


def java_problem() -> str | None:
    """Why Spark cannot start here, or None (the pyspark wheel bundles Spark, not Java)."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return (
            "no Java runtime: Spark needs Java 17 (Debian: "
            "`apt-get install -y openjdk-17-jre-headless`, which .ci/run does on a clean machine)"
        )
    return None


def local_session(root: Path, *, driver_memory: str = "2g") -> Any:
    """A fresh local SparkSession with its warehouse and metastore under `root` (emptied)."""
    from pyspark.sql import SparkSession  # the `spark` extra: imported only when used

    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    warehouse, metastore = root / "warehouse", root / "metastore_db"
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # Python workers (none in pure SQL, but a UDF would start them) run this interpreter.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    java_options = f"-Dderby.system.home={root} -Duser.timezone=UTC"
    builder = (
        SparkSession.builder.master("local[2]")
        .appName("perfchain-test-spark")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.extraJavaOptions", java_options)
        .config("spark.driver.memory", driver_memory)
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(SHUFFLE_PARTITIONS))
        .config("spark.default.parallelism", "2")
        .config("spark.sql.warehouse.dir", warehouse.resolve().as_uri())
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={metastore};create=true",
        )
        # DuckDB's naive timestamps (Parquet's isAdjustedToUTC=false) read as Spark's
        # TIMESTAMP in the session zone UTC, like the aware ones: one timestamp type, the
        # one dbt-spark's type macros name.
        .config("spark.sql.parquet.inferTimestampNTZ.enabled", "false")
        .enableHiveSupport()
    )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark
