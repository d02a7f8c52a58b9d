with

source as (

    select * from {{ source('oa', 'workflow_logs') }}

),

latest as (

    {{ latest_version('source', [adapter.quote('logId')], adapter.quote('operateTime')) }}

),

renamed as (

    select
        logId as log_id,
        requestId as request_id,
        nodeName as node_name,
        operatorId as operator_oa_user_id,
        operatorName as operator_name,
        operateType as operate_type,
        {{ local_to_utc(adapter.quote('operateTime')) }} as operated_at,
        remark
    from latest

)

select * from renamed
