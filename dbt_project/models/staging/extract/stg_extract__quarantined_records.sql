with

source as (

    select * from {{ source('extract', 'quarantine') }}

),

renamed as (

    select
        {{ adapter.quote('source') }} as source_system,
        entity,
        record_key,
        reason,
        batch_id,
        quarantined_at,
        released_at,
        released_by_batch as released_by_batch_id,
        released_at is null as is_open
    from source

)

select * from renamed
