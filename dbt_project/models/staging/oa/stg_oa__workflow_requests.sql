with

source as (

    select * from {{ source('oa', 'workflow_requests') }}

),

latest as (

    {{ latest_version('source', [adapter.quote('requestId')], adapter.quote('lastOperateTime')) }}

),

renamed as (

    select
        requestId as request_id,
        requestName as request_name,
        workflowId as workflow_id,
        workflowName as workflow_name,
        workflowTypeName as workflow_type_name,
        creatorId as creator_oa_user_id,
        creatorName as creator_name,
        {{ local_to_utc(adapter.quote('createTime')) }} as created_at,
        {{ local_to_utc(adapter.quote('lastOperateTime')) }} as last_operated_at,
        lastOperatorId as last_operator_oa_user_id,
        status as request_status,
        currentNodeName as current_node_name,
        related_case as related_case_number,
        related_order as related_order_id,
        related_customer as related_customer_id
    from latest

)

select * from renamed
