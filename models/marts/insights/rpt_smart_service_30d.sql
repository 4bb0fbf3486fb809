{#-
  I8 (docs/service-insights.md): seed 004's figures over the 30 local days (var
  smart_service_window_days) ending on each day (rolling), per shop: the parts of
  fct_smart_service_daily summed over the window, the rates recomputed from the sums. Days
  from the shop's first day to the latest day in the warehouse; days without sessions add
  0. Incremental by shop and day (D31).
-#}
{%- set window_days = smart_service_window_days() | int %}
{{ rebuilt_days_config('date_day') }}
with

daily as (
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
        human_wait_seconds_sum
    from {{ ref('fct_smart_service_daily') }}
),

shop_days as (
    {{ shop_calendar('daily') }}
),

-- on incremental runs (D31) the days rebuilt and the days their windows reach back to; every
-- shop rebuilds whole when the export gained (or lost) its human_requested events (D23)
spine as (
    {{ rebuilt_days_with_reach('shop_days', window_days - 1, whole_shops=smart_service_shops_with_changed_requests()) }}
),

-- a day without a row adds 0, except to the request parts, which stay null for an export
-- without human_requested events
filled as (
    select
        spine.shop_id,
        spine.date_day,
        spine.is_rebuilt,
        coalesce(daily.consultations, 0) as consultations,
        coalesce(daily.bot_answered_sessions, 0) as bot_answered_sessions,
        coalesce(daily.bot_counted_sessions, 0) as bot_counted_sessions,
        coalesce(daily.bot_resolved_sessions, 0) as bot_resolved_sessions,
        daily.human_request_sessions,
        daily.human_connected_sessions,
        daily.connected_in_time_sessions,
        daily.in_service_request_sessions,
        daily.in_service_connected_in_time_sessions,
        daily.human_replied_sessions,
        coalesce(daily.human_rated_sessions, 0) as human_rated_sessions,
        coalesce(daily.human_satisfied_sessions, 0) as human_satisfied_sessions,
        daily.human_wait_seconds_sum
    from spine
    left join daily
        on spine.shop_id = daily.shop_id
            and spine.date_day = daily.date_day
),

rolling as (
    select
        shop_id,
        date_day,
        is_rebuilt,
        {{ add_days('date_day', 1 - window_days) }} as window_start_date,
        {{ sum_as_bigint('consultations', over='last_n_days') }} as consultations,
        {{ sum_as_bigint('bot_answered_sessions', over='last_n_days') }} as bot_answered_sessions,
        {{ sum_as_bigint('bot_counted_sessions', over='last_n_days') }} as bot_counted_sessions,
        {{ sum_as_bigint('bot_resolved_sessions', over='last_n_days') }} as bot_resolved_sessions,
        {{ sum_as_bigint('human_request_sessions', over='last_n_days') }} as human_request_sessions,
        {{ sum_as_bigint('human_connected_sessions', over='last_n_days') }} as human_connected_sessions,
        {{ sum_as_bigint('connected_in_time_sessions', over='last_n_days') }} as connected_in_time_sessions,
        {{ sum_as_bigint('in_service_request_sessions', over='last_n_days') }} as in_service_request_sessions,
        {{ sum_as_bigint('in_service_connected_in_time_sessions', over='last_n_days') }}
            as in_service_connected_in_time_sessions,
        {{ sum_as_bigint('human_replied_sessions', over='last_n_days') }} as human_replied_sessions,
        {{ sum_as_bigint('human_rated_sessions', over='last_n_days') }} as human_rated_sessions,
        {{ sum_as_bigint('human_satisfied_sessions', over='last_n_days') }} as human_satisfied_sessions,
        {{ sum_as_bigint('human_wait_seconds_sum', over='last_n_days') }} as human_wait_seconds_sum
    from filled
    window last_n_days as (
        partition by shop_id order by date_day rows between {{ window_days - 1 }} preceding and current row
    )
)

select
    shop_id,
    date_day,
    window_start_date,
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
from rolling
where is_rebuilt
-- in day order: the days a run rebuilds are then the table's last row groups (D31)
order by date_day
