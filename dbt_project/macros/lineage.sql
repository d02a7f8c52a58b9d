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
    `every`: every lineage column, as text, null where the entry is not given (for tests
    whose failing rows come from models with different lineages, unioned: group_rules).
-#}
{% macro lineage_columns(lineage, relation=none, every=false) -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    {%- set source_name, entity = lineage.source.split('.', 1) if lineage.source else (none, none) -%}
    {%- set parts = [
        ('source', "'" ~ source_name ~ "'" if lineage.source else none),
        ('entity', "'" ~ entity ~ "'" if lineage.source else none),
        ('key', prefix ~ lineage.key if lineage.key else none),
        ('batch', prefix ~ lineage.batch if lineage.batch else none),
        ('file', prefix ~ lineage.file if lineage.file else none),
        ('sheet', "'" ~ lineage.sheet ~ "'" if lineage.sheet else none),
        ('row', prefix ~ lineage.row if lineage.row else none),
        ('columns', "'" ~ lineage.columns | join(', ') ~ "'" if lineage.columns else none),
    ] -%}
    {%- set selected = [] -%}
    {%- for part, expression in parts -%}
        {%- if every -%}
            {%- do selected.append(
                'cast(' ~ (expression or 'null') ~ ' as ' ~ dbt.type_string() ~ ') as _lineage_' ~ part
            ) -%}
        {%- elif expression -%}
            {%- do selected.append(expression ~ ' as _lineage_' ~ part) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ selected | join(',\n    ') }}
{%- endmacro %}
