"""`perfchain dashboard` (SPEC 10): a read-only web app over the published file.

`data` holds every query (plain functions over a DuckDB connection, testable without a
browser), `reader` the page load's cached reads of them (keyed by the published file's
identity), `labels` the dashboard's words in Chinese and English, `charts` its bar charts
as plain HTML, `app` the Streamlit pages and `server` the process that serves them on
127.0.0.1. The package sits beside the
reports: it imports `reports` (formatting, labels, the order 360 data) and `perfchain.core`
(the published-file reader), nothing that writes.
"""
