with

source as (

    select * from {{ source('mes', 'machine_states') }}

),

latest as (

    -- latest_version, with one more tie-break: where a recorded gap (state 'unavailable',
    -- docs/sources/mes.md "Gaps") starts at the very instant of a state read in the same
    -- batch, the gap wins: what followed that state is not known.
    select *
    from (
        select
            *,
            row_number() over (
                partition by mtconnect_uuid, {{ adapter.quote('timestamp') }}
                order by
                    {{ adapter.quote('timestamp') }} desc,
                    _extracted_at desc,
                    _batch_id desc,
                    case when {{ adapter.quote('state') }} = 'unavailable' then 0 else 1 end
            ) as _version_rank
        from source
    ) as versions
    where _version_rank = 1

),

renamed as (

    select
        mtconnect_uuid,
        {{ adapter.quote('timestamp') }} as state_started_at,
        {{ adapter.quote('state') }} as machine_state,
        reason_code,
        reason_text
    from latest

)

select * from renamed
