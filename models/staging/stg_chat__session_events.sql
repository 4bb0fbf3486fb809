-- The clean rows of base_chat__session_events (S9: the rejected ones are in stg_chat__quarantine).
with

clean as (
    select
        event_id,
        shop_id,
        buyer_key,
        event_type,
        agent_id,
        occurred_at,
        tie_rank,
        is_close,
        staged_at
    from {{ ref('base_chat__session_events') }}
    where quarantine_reason is null and is_first_delivery
)

select
    event_id,
    shop_id,
    buyer_key,
    event_type,
    agent_id,
    occurred_at,
    tie_rank,
    is_close,
    staged_at
from clean
