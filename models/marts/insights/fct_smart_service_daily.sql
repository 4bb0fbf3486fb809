{#-
  I8 (docs/service-insights.md): the additive parts of seed 004's smart-service figures per
  shop and local day, and the figures of the day. The request-based parts (human requests,
  connection, waiting time, replies) are null when the export has no human_requested
  events at all: the optional raw-contract addition is missing, not zero. S10.3: the
  20-second connection rate counts the requests made in the shop's service time (a lookup
  in the service spine, as fct_sessions' is_started_in_service_hours); without a calendar
  every request is.
-#}
with

sessions as (
    select
        session_id,
        shop_id,
        date_day,
        smart_answer_messages,
        manual_reply_messages,
        is_smart_resolved,
        human_requested_at,
        human_connected_at,
        human_wait_seconds,
        human_replied_at,
        rating_stars,
        is_satisfied,
        -- bot-answered, and not "asked for a human at once" (a request before the first smart answer)
        smart_answer_messages > 0 and not coalesce(human_requested_at < first_smart_answer_at, false)
            as is_bot_counted
    from {{ ref('fct_sessions') }}
),

service_spine as (
    select
        shop_id,
        utc_date,
        part_started_at,
        part_ended_at
    from {{ ref('int_shops__service_time_spine') }}
),

-- S10.3: whether each request for a human was made in service time; the spine has rows
-- only for shops with a calendar, so a shop without one has every request in service
request_clock as (
    select
        sessions.session_id,
        {{ is_in_service_by_spine('sessions.human_requested_at', 'service_spine') }} as is_requested_in_service_hours
    from sessions
    left join service_spine
        on {{ is_spine_row_of_instant('sessions.human_requested_at', 'sessions.shop_id', 'service_spine') }}
    where sessions.human_requested_at is not null
    group by sessions.session_id
),

timed_sessions as (
    select
        sessions.shop_id,
        sessions.date_day,
        sessions.smart_answer_messages,
        sessions.manual_reply_messages,
        sessions.is_smart_resolved,
        sessions.human_requested_at,
        sessions.human_connected_at,
        sessions.human_wait_seconds,
        sessions.human_replied_at,
        sessions.rating_stars,
        sessions.is_satisfied,
        sessions.is_bot_counted,
        request_clock.is_requested_in_service_hours
    from sessions
    left join request_clock on sessions.session_id = request_clock.session_id
),

request_events as (
    select count(*) > 0 as has_human_requests
    from {{ ref('stg_chat__session_events') }}
    where event_type = 'human_requested'
),

daily as (
    select
        shop_id,
        date_day,
        count(*) as consultations,
        count(case when smart_answer_messages > 0 then 1 end) as bot_answered_sessions,
        count(case when is_bot_counted then 1 end) as bot_counted_sessions,
        count(case when is_bot_counted and is_smart_resolved then 1 end) as bot_resolved_sessions,
        count(case when human_requested_at is not null then 1 end) as human_request_sessions,
        count(case when human_connected_at is not null then 1 end) as human_connected_sessions,
        count(case when human_wait_seconds <= {{ human_connect_target_seconds() }} then 1 end)
            as connected_in_time_sessions,
        count(case when is_requested_in_service_hours then 1 end) as in_service_request_sessions,
        count(
            case
                when is_requested_in_service_hours
                    and human_wait_seconds <= {{ human_connect_target_seconds() }}
                    then 1
            end
        ) as in_service_connected_in_time_sessions,
        count(case when human_replied_at is not null then 1 end) as human_replied_sessions,
        count(case when manual_reply_messages > 0 and rating_stars is not null then 1 end) as human_rated_sessions,
        count(case when manual_reply_messages > 0 and is_satisfied then 1 end) as human_satisfied_sessions,
        coalesce({{ sum_as_bigint('human_wait_seconds') }}, 0) as human_wait_seconds_sum
    from timed_sessions
    group by shop_id, date_day
),

-- the request parts stay null for an export without human_requested events
parts as (
    select
        daily.shop_id,
        daily.date_day,
        daily.consultations,
        daily.bot_answered_sessions,
        daily.bot_counted_sessions,
        daily.bot_resolved_sessions,
        case when request_events.has_human_requests then daily.human_request_sessions end as human_request_sessions,
        case when request_events.has_human_requests then daily.human_connected_sessions end
            as human_connected_sessions,
        case when request_events.has_human_requests then daily.connected_in_time_sessions end
            as connected_in_time_sessions,
        case when request_events.has_human_requests then daily.in_service_request_sessions end
            as in_service_request_sessions,
        case when request_events.has_human_requests then daily.in_service_connected_in_time_sessions end
            as in_service_connected_in_time_sessions,
        case when request_events.has_human_requests then daily.human_replied_sessions end as human_replied_sessions,
        daily.human_rated_sessions,
        daily.human_satisfied_sessions,
        case when request_events.has_human_requests then daily.human_wait_seconds_sum end as human_wait_seconds_sum
    from daily
    cross join request_events
)

select
    shop_id,
    date_day,
    consultations,
    bot_answered_sessions,
    bot_counted_sessions,
    bot_resolved_sessions,
    human_request_sessions,
    human_connected_sessions,
    connected_in_time_sessions,
    in_service_request_sessions,
    in_service_connected_in_time_sessions,
    human_replied_sessions,
    human_rated_sessions,
    human_satisfied_sessions,
    human_wait_seconds_sum,
    {{ bot_coverage_rate('bot_answered_sessions', 'consultations') }} as bot_coverage_rate,
    {{ bot_resolution_rate('bot_resolved_sessions', 'bot_counted_sessions') }} as bot_resolution_rate,
    {{ human_connected_in_time_rate('in_service_connected_in_time_sessions', 'in_service_request_sessions') }}
        as human_connected_in_time_rate,
    {{ avg_human_wait_seconds('human_wait_seconds_sum', 'human_connected_sessions') }} as avg_human_wait_seconds,
    {{ human_satisfaction_rate('human_satisfied_sessions', 'human_rated_sessions') }} as human_satisfaction_rate,
    {{ human_reply_rate('human_replied_sessions', 'human_request_sessions') }} as human_reply_rate
from parts
