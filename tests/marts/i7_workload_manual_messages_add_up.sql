-- I7: per shop the workload mart's manual messages add up to the clean manual replies
-- (outreach outside sessions included).
with

replies_expected as (
    select
        shop_id,
        count(*) as manual_messages
    from {{ ref('stg_chat__messages') }}
    where is_manual_reply
    group by shop_id
),

replies_actual as (
    select
        shop_id,
        sum(manual_messages) as manual_messages
    from {{ ref('fct_agent_workload_daily') }}
    group by shop_id
)

{{ compare_facts('replies_actual', 'replies_expected', ['shop_id'], ['manual_messages']) }}
