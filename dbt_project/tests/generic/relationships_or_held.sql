{#- `relationships` that knows about quarantine: a child whose parent is missing fails,
    unless the parent's key is held open in quarantine for `held` ('<source>.<entity>',
    the raw entity the parent comes from). Such a parent is being read again each night
    and the child will join once it loads; until then the open quarantine is listed in
    the run summary and the quality gate's `open_quarantine` warning. A parent that is
    neither loaded nor held is a real orphan and fails as with `relationships`.
    A failing row is the child key value that has no parent. -#}
{% test relationships_or_held(model, column_name, to, field, held) %}

with

children as (

    select {{ column_name }} as child_key
    from {{ model }}
    where {{ column_name }} is not null

),

parents as (

    select {{ field }} as parent_key
    from {{ to }}

),

held_keys as (

    {{ held_open_keys(held) | indent(4) }}

),

orphans as (

    select children.child_key
    from children
    left join parents
        on children.child_key = parents.parent_key
    left join held_keys
        on cast(children.child_key as {{ dbt.type_string() }}) = held_keys.record_key
    where parents.parent_key is null
        and held_keys.record_key is null

),

final as (

    select child_key from orphans

)

select * from final

{% endtest %}
