{#-
  S2, S4, S5 ingredients: one row per session, from the rows of int_sessions__sessionized
  that belong to it. Events count only while the session is open (S2.5): before its
  close and earlier than its last message plus the timeout. close_reason and the end
  follow S2.2 and S2.6 (open when the last message is less than the timeout before the
  high-water mark and no close came).
-#}
{{ pair_incremental_config() }}
-- depends_on: {{ ref('base_chat__messages') }}, {{ ref('base_chat__session_events') }}, {{ ref('base_chat__ratings') }}
with

sessionized as (
    select
        shop_id,
        buyer_key,
        segment_no,
        timeline_seq,
        happened_at,
        row_kind,
        is_message,
        is_buyer_message,
        is_smart_answer,
        is_manual_reply,
        is_assignment,
        is_close,
        agent_id
    from {{ ref('int_sessions__sessionized') }} as sessionized_rows  -- noqa: AL05
    where is_in_session and {{ is_changed_pair('sessionized_rows', 'last_message_at') }}
),

high_water_mark as (
    select max(sent_at) as high_water_mark_at from {{ ref('stg_chat__messages') }}
),

session_rows as (
    select
        *,
        max(case when is_message then happened_at end) over session_window as last_message_at,
        min(case when is_manual_reply then happened_at end) over session_window as first_manual_reply_at,
        min(case when row_kind = 'human_requested' then timeline_seq end) over session_window as human_request_seq
    from sessionized
    window session_window as (partition by shop_id, buyer_key, segment_no)
),

members as (
    select *
    from session_rows
    where is_message or happened_at < {{ add_seconds('last_message_at', session_timeout_seconds()) }}
),

aggregated as (
    select
        shop_id,
        buyer_key,
        segment_no,
        min(case when is_buyer_message then happened_at end) as session_started_at,
        max(last_message_at) as last_message_at,
        min(case when is_close then happened_at end) as closed_at,
        max(case when is_close and agent_id is not null then 1 else 0 end) = 1 as is_closed_by_agent,
        min(first_manual_reply_at) as first_manual_reply_at,
        min(case when is_smart_answer then happened_at end) as first_smart_answer_at,
        -- SS1: the first request for a human, and what followed it in the session
        min(case when row_kind = 'human_requested' then happened_at end) as human_requested_at,
        min(case when (is_assignment or is_manual_reply) and timeline_seq > human_request_seq then happened_at end)
            as human_connected_at,
        min(case when is_manual_reply and timeline_seq > human_request_seq then happened_at end) as human_replied_at,
        {{ arg_min('agent_id', 'timeline_seq', where='is_manual_reply') }} as first_reply_agent_id,
        {{ arg_max(
            'agent_id', 'timeline_seq',
            where='is_assignment and (first_manual_reply_at is null or happened_at <= first_manual_reply_at)'
        ) }} as assigned_event_agent_id,
        {{ arg_max('is_smart_answer', 'timeline_seq', where='is_buyer_message or is_smart_answer') }}
            as is_last_said_smart_answer,
        count(case when is_assignment then 1 end) as assignment_events,
        count(case when row_kind = 'consultation' then 1 end) as consultation_messages,
        count(case when row_kind = 'faq_click' then 1 end) as faq_click_messages,
        count(case when row_kind = 'smart_answer' then 1 end) as smart_answer_messages,
        count(case when row_kind = 'auto_non_answer' then 1 end) as auto_non_answer_messages,
        count(case when row_kind = 'system_notice' then 1 end) as system_notice_messages,
        count(case when row_kind = 'manual_reply' then 1 end) as manual_reply_messages
    from members
    group by shop_id, buyer_key, segment_no
),

closed as (
    select
        aggregated.*,
        case
            when aggregated.closed_at is not null and aggregated.is_closed_by_agent then 'agent_closed'
            when aggregated.closed_at is not null then 'system_closed'
            when high_water_mark.high_water_mark_at
                < {{ add_seconds('aggregated.last_message_at', session_timeout_seconds()) }} then 'open'
            else 'inactivity'
        end as close_reason,
        high_water_mark.high_water_mark_at
    from aggregated
    cross join high_water_mark
)

select
    {{ session_id('shop_id', 'buyer_key', 'session_started_at') }} as session_id,
    shop_id,
    buyer_key,
    segment_no,
    session_started_at,
    last_message_at,
    case
        when close_reason in ('agent_closed', 'system_closed') then closed_at
        when close_reason = 'inactivity' then last_message_at
    end as session_ended_at,
    close_reason,
    high_water_mark_at,
    first_manual_reply_at,
    first_smart_answer_at,
    human_requested_at,
    human_connected_at,
    human_replied_at,
    first_reply_agent_id,
    assigned_event_agent_id,
    coalesce(is_last_said_smart_answer, false) as is_last_said_smart_answer,
    assignment_events,
    consultation_messages,
    faq_click_messages,
    smart_answer_messages,
    auto_non_answer_messages,
    system_notice_messages,
    manual_reply_messages
from closed
