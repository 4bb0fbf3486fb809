{#-
  S2: messages and session events of each (shop_id, buyer_key) pair as one stream, with
  the tie order of S2 at one instant: buyer, bot, system, agent message, then assigned,
  then closed, then by id.
-#}
with

messages as (
    select
        shop_id,
        buyer_key,
        message_id,
        sent_at,
        sender_tie_rank,
        message_kind,
        is_buyer_message,
        is_smart_answer,
        is_manual_reply,
        agent_id
    from {{ ref('stg_chat__messages') }}
),

session_events as (
    select
        shop_id,
        buyer_key,
        event_id,
        occurred_at,
        tie_rank,
        event_type,
        is_close,
        agent_id
    from {{ ref('stg_chat__session_events') }}
),

timeline as (
    select
        shop_id,
        buyer_key,
        'message' as row_type,
        message_id as row_id,
        sent_at as happened_at,
        sender_tie_rank as tie_rank,
        message_kind as row_kind,
        true as is_message,
        is_buyer_message,
        is_smart_answer,
        is_manual_reply,
        false as is_assignment,
        false as is_close,
        agent_id
    from messages
    union all
    select
        shop_id,
        buyer_key,
        'event' as row_type,
        event_id as row_id,
        occurred_at as happened_at,
        tie_rank,
        event_type as row_kind,
        false as is_message,
        false as is_buyer_message,
        false as is_smart_answer,
        false as is_manual_reply,
        event_type = 'assigned' as is_assignment,
        is_close,
        agent_id
    from session_events
)

select
    shop_id,
    buyer_key,
    row_type,
    row_id,
    happened_at,
    tie_rank,
    row_kind,
    is_message,
    is_buyer_message,
    is_smart_answer,
    is_manual_reply,
    is_assignment,
    is_close,
    agent_id
from timeline
