"""Landing, bulk load and quarantine: the stage between a source's pages and `raw.*`.

Follow one batch: run.py (`extract_entity`) → files.py (NDJSON landing files and the
manifest under `landing/<source>/<entity>/<batch>/`) → load.py (one pass of SQL into
`raw.<source>__<entity>`, records typed and judged by records.py) → quarantine.py (what
did not type, held with its reason until a good version arrives); raw.py holds the raw
tables and the bookkeeping (`raw._batches`, `raw._watermarks`), batch.py the batch the
load works on. The clients (extractors/<source>/, on extractors/_http/) only produce pages.
"""
