"""The same dbt project on Apache Spark, checked against DuckDB (`make test-spark`,
docs/scale-out.md): source export to Parquet, the local session, the comparison."""
