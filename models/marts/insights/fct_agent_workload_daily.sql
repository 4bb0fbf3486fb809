{#-
  I7 (docs/service-insights.md): per shop, agent and local day, the agent's workload
  (attributed and answered sessions, manual messages, active hours) and first responses
  against the region's target response time (metric_targets: target_first_response_seconds).
  A row exists when the agent had an attributed session or sent a manual reply that day.
  Incremental by shop and day (D31): a changed message is dated within the lookback, so
  its local day is one the run rebuilds anyway.
-#}
{{ rebuilt_days_config('date_day') }}
with

sessions as (
    select
        shop_id,
        assigned_agent_id as agent_id,
        date_day,
        is_vacation_excluded,
        first_manual_reply_at,
        first_response_seconds
    from {{ ref('fct_sessions') }} as all_sessions  -- noqa: AL05
    where assigned_agent_id is not null
        and {{ is_rebuilt_day('all_sessions.shop_id', 'all_sessions.date_day') }}
),

manual_replies as (
    select
        shop_id,
        agent_id,
        sent_at
    from {{ ref('stg_chat__messages') }}
    where is_manual_reply and {{ may_be_rebuilt_time('sent_at') }}
),

shops as (
    select
        shop_id,
        timezone
    from {{ ref('stg_chat__shops') }}
),

targets as (
    select
        shop_id,
        target_value as target_first_response_seconds
    from {{ ref('int_shops__metric_targets') }}
    where metric_name = 'target_first_response_seconds'
),

judged_sessions as (
    select
        sessions.shop_id,
        sessions.agent_id,
        sessions.date_day,
        {{ has_first_response('sessions') }} as has_first_response,
        sessions.first_response_seconds,
        sessions.first_response_seconds <= targets.target_first_response_seconds as is_within_target
    from sessions
    left join targets on sessions.shop_id = targets.shop_id
),

session_days as (
    select
        shop_id,
        agent_id,
        date_day,
        count(*) as assigned_sessions,
        count(case when has_first_response then 1 end) as answered_sessions,
        {{ first_response_seconds_sum('has_first_response') }} as first_response_seconds_sum,
        count(case when has_first_response and is_within_target then 1 end) as within_target_sessions
    from judged_sessions
    group by shop_id, agent_id, date_day
),

local_replies as (
    select
        manual_replies.shop_id,
        manual_replies.agent_id,
        {{ local_date('manual_replies.sent_at', 'shops.timezone') }} as date_day,
        {{ local_hour('manual_replies.sent_at', 'shops.timezone') }} as hour_of_day
    from manual_replies
    inner join shops on manual_replies.shop_id = shops.shop_id
),

rebuilt_replies as (
    select
        shop_id,
        agent_id,
        date_day,
        hour_of_day
    from local_replies
    where {{ is_rebuilt_day('local_replies.shop_id', 'local_replies.date_day') }}
),

message_days as (
    select
        shop_id,
        agent_id,
        date_day,
        count(*) as manual_messages,
        count(distinct hour_of_day) as active_hours
    from rebuilt_replies
    group by shop_id, agent_id, date_day
),

combined as (
    select
        coalesce(session_days.shop_id, message_days.shop_id) as shop_id,
        coalesce(session_days.agent_id, message_days.agent_id) as agent_id,
        coalesce(session_days.date_day, message_days.date_day) as date_day,
        coalesce(session_days.assigned_sessions, 0) as assigned_sessions,
        coalesce(session_days.answered_sessions, 0) as answered_sessions,
        coalesce(message_days.manual_messages, 0) as manual_messages,
        coalesce(message_days.active_hours, 0) as active_hours,
        coalesce(session_days.first_response_seconds_sum, 0) as first_response_seconds_sum,
        coalesce(session_days.within_target_sessions, 0) as within_target_sessions
    from session_days
    full outer join message_days
        on session_days.shop_id = message_days.shop_id
            and session_days.agent_id = message_days.agent_id
            and session_days.date_day = message_days.date_day
)

select
    combined.shop_id,
    combined.agent_id,
    combined.date_day,
    combined.assigned_sessions,
    combined.answered_sessions,
    combined.manual_messages,
    combined.active_hours,
    combined.first_response_seconds_sum,
    {{ avg_first_response_seconds('combined.first_response_seconds_sum', 'combined.answered_sessions') }}
        as avg_first_response_seconds,
    targets.target_first_response_seconds,
    combined.within_target_sessions,
    {{ safe_ratio('combined.within_target_sessions', 'combined.answered_sessions') }} as within_target_rate
from combined
left join targets on combined.shop_id = targets.shop_id
-- in day order: the days a run rebuilds are then the table's last row groups (D31)
order by combined.date_day
