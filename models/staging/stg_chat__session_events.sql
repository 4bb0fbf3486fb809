with

checked as (
    select
        event_id,
        shop_id,
        buyer_id,
        event_type,
        agent_id,
        occurred_at,
        tie_rank,
        is_close,
        quarantine_reason
    from {{ ref('base_chat__session_events') }}
),

clean as (
    select
        event_id,
        shop_id,
        buyer_id,
        event_type,
        agent_id,
        occurred_at,
        tie_rank,
        is_close
    from checked
    where quarantine_reason is null
)

select
    event_id,
    shop_id,
    buyer_id,
    event_type,
    agent_id,
    occurred_at,
    tie_rank,
    is_close
from clean
