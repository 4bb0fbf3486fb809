-- The clean rows of base_chat__messages (S9: the rejected ones are in stg_chat__quarantine).
with

clean as (
    select
        message_id,
        shop_id,
        buyer_key,
        sender_role,
        agent_id,
        message_type,
        message_kind,
        sender_tie_rank,
        is_buyer_message,
        is_smart_answer,
        is_manual_reply,
        sent_at,
        content,
        staged_at
    from {{ ref('base_chat__messages') }}
    where quarantine_reason is null and is_first_delivery
)

select
    message_id,
    shop_id,
    buyer_key,
    sender_role,
    agent_id,
    message_type,
    message_kind,
    sender_tie_rank,
    is_buyer_message,
    is_smart_answer,
    is_manual_reply,
    sent_at,
    content,
    staged_at
from clean
