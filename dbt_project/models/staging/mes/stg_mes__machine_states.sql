with

source as (

    select * from {{ source('mes', 'machine_states') }}

),

latest as (

    {{ latest_version('source', ['mtconnect_uuid', '"timestamp"'], '"timestamp"') }}

),

renamed as (

    select
        mtconnect_uuid,
        "timestamp" as state_started_at,
        "state" as machine_state,
        reason_code,
        reason_text
    from latest

)

select * from renamed
