{#-
  S2 sessionisation as gaps and islands over one ordering of each pair's timeline.

  A message opens a new *segment* when it is the pair's first message, when it comes
  session_timeout_hours or more after the previous message, or when a closed event lies
  between the two (closed events sort after the messages of their instant, so "between"
  is last_close_at >= previous message time). Within a segment, the session starts at
  the first buyer message; messages before it belong to no session (S2.4). An event
  belongs to the session open at its time (S2.5): a buyer message of its segment came
  before it, no close came between the last message and it, and it is earlier than the
  session's last message plus the timeout (checked in int_sessions__aggregated).
-#}
{{ pair_incremental_config() }}
-- depends_on: {{ ref('base_chat__messages') }}, {{ ref('base_chat__session_events') }}, {{ ref('base_chat__ratings') }}
with

timeline as (
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
    from {{ ref('int_chat__timeline') }} as timeline_rows  -- noqa: AL05
    where {{ is_changed_pair('timeline_rows', 'happened_at') }}
),

-- pass 1: what came before each row in its pair
ordered as (
    select
        *,
        row_number() over pair_order as timeline_seq,
        max(case when is_message then happened_at end) over pair_before as previous_message_at,
        max(case when is_close then happened_at end) over pair_before as last_close_at
    from timeline
    window
        pair_order as (partition by shop_id, buyer_key order by happened_at, tie_rank, row_id),
        pair_before as (
            partition by shop_id, buyer_key order by happened_at, tie_rank, row_id
            rows between unbounded preceding and 1 preceding
        )
),

breaks as (
    select
        *,
        is_message and (
            previous_message_at is null
            or happened_at >= {{ add_seconds('previous_message_at', session_timeout_seconds()) }}
            or last_close_at >= previous_message_at
        ) as is_segment_start,
        -- an event after a close that followed the last message: no session is open
        not is_message and coalesce(last_close_at >= previous_message_at, false) as is_after_close
    from ordered
),

-- pass 2: segment number and whether a buyer has written in the segment so far
segmented as (
    select
        *,
        -- a count, so bigint on every engine (a sum is DuckDB's hugeint, slow to scan and join)
        count(case when is_segment_start then 1 end) over pair_running as segment_no,
        max(case when is_segment_start then happened_at end) over pair_running as segment_started_at,
        max(case when is_buyer_message then happened_at end) over pair_running as last_buyer_message_at
    from breaks
    window pair_running as (
        partition by shop_id, buyer_key order by timeline_seq rows between unbounded preceding and current row
    )
)

select
    shop_id,
    buyer_key,
    row_type,
    row_id,
    happened_at,
    tie_rank,
    timeline_seq,
    row_kind,
    is_message,
    is_buyer_message,
    is_smart_answer,
    is_manual_reply,
    is_assignment,
    is_close,
    agent_id,
    segment_no,
    coalesce(last_buyer_message_at >= segment_started_at, false) and not is_after_close as is_in_session
from segmented
