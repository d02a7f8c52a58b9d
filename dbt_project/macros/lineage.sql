{#-
    Where a staging row came from, as columns a data test can return beside its failing
    rows, so a failure names the record to fix at the source, not only the test
    (orchestration/defs/warehouse/failures.py reads the `_lineage_*` columns into the run's
    error and the quality summary). `lineage` is a test argument, a mapping of:
    - a source system's record: `source` ('<source>.<entity>' of the raw table), `key`
      (the column holding the record's key) and `batch` (the column holding raw's
      `_batch_id`, the landing the version came from);
    - a workbook cell: `file` and `row` (the columns holding the file name and the sheet's
      row number), `sheet` (the sheet's name) and `columns` (the sheet's columns the test
      is about).
    Every entry is optional; `relation` qualifies the columns (a test's join).
-#}
{% macro lineage_columns(lineage, relation=none) -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    {%- set selected = [] -%}
    {%- if lineage.source -%}
        {%- set source_name, entity = lineage.source.split('.', 1) -%}
        {%- do selected.append("'" ~ source_name ~ "' as _lineage_source") -%}
        {%- do selected.append("'" ~ entity ~ "' as _lineage_entity") -%}
    {%- endif -%}
    {%- if lineage.key -%}
        {%- do selected.append(prefix ~ lineage.key ~ ' as _lineage_key') -%}
    {%- endif -%}
    {%- if lineage.batch -%}
        {%- do selected.append(prefix ~ lineage.batch ~ ' as _lineage_batch') -%}
    {%- endif -%}
    {%- if lineage.file -%}
        {%- do selected.append(prefix ~ lineage.file ~ ' as _lineage_file') -%}
    {%- endif -%}
    {%- if lineage.sheet -%}
        {%- do selected.append("'" ~ lineage.sheet ~ "' as _lineage_sheet") -%}
    {%- endif -%}
    {%- if lineage.row -%}
        {%- do selected.append(prefix ~ lineage.row ~ ' as _lineage_row') -%}
    {%- endif -%}
    {%- if lineage.columns -%}
        {%- do selected.append("'" ~ lineage.columns | join(', ') ~ "' as _lineage_columns") -%}
    {%- endif -%}
    {{ selected | join(',\n    ') }}
{%- endmacro %}
