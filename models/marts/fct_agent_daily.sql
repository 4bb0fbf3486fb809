{#- S5, S6: one row per shop, agent and local day with at least one session attributed to the agent. -#}
{{ rebuilt_days_config('date_day') }}
with

sessions as (
    select
        shop_id,
        assigned_agent_id,
        date_day,
        is_vacation_excluded,
        response_status,
        rating_stars,
        is_satisfied,
        first_manual_reply_at,
        first_response_seconds,
        first_response_service_seconds,
        is_started_in_service_hours
    from {{ ref('fct_sessions') }} as all_sessions  -- noqa: AL05
    where assigned_agent_id is not null
        and {{ is_rebuilt_day('all_sessions.shop_id', 'all_sessions.date_day') }}
),

daily as (
    select
        shop_id,
        assigned_agent_id as agent_id,
        date_day,
        count(*) as assigned_sessions,
        count(case when is_vacation_excluded then 1 end) as vacation_excluded_sessions,
        count(case when response_status = 'smart_resolved' then 1 end) as smart_resolved_sessions,
        count(case when response_status = 'responded_within_24h' then 1 end) as responded_within_24h_sessions,
        count(case when response_status = 'responded_late' then 1 end) as responded_late_sessions,
        count(case when response_status = 'unresponded' then 1 end) as unresponded_sessions,
        count(case when response_status = 'awaiting_response' then 1 end) as awaiting_response_sessions,
        count(case when {{ needs_manual_response() }} then 1 end) as needs_manual_sessions,
        count(case when rating_stars is not null then 1 end) as rated_sessions,
        count(case when is_satisfied then 1 end) as satisfied_sessions,
        count(case when {{ has_first_response() }} then 1 end) as first_response_sessions,
        {{ first_response_seconds_sum() }} as first_response_seconds_sum,
        {{ first_response_seconds_sum(seconds='first_response_service_seconds') }}
            as first_response_service_seconds_sum,
        {{ out_of_hours_consultations() }} as out_of_hours_consultations
    from sessions
    group by shop_id, assigned_agent_id, date_day
)

select
    shop_id,
    agent_id,
    date_day,
    assigned_sessions,
    vacation_excluded_sessions,
    smart_resolved_sessions,
    responded_within_24h_sessions,
    responded_late_sessions,
    unresponded_sessions,
    awaiting_response_sessions,
    needs_manual_sessions,
    rated_sessions,
    satisfied_sessions,
    first_response_sessions,
    first_response_seconds_sum,
    first_response_service_seconds_sum,
    out_of_hours_consultations,
    {{ manual_response_rate_24h('responded_within_24h_sessions', 'needs_manual_sessions',
        'awaiting_response_sessions') }} as manual_response_rate_24h,
    {{ satisfaction_rate('satisfied_sessions', 'rated_sessions') }} as satisfaction_rate,
    {{ avg_first_response_seconds('first_response_seconds_sum', 'first_response_sessions') }}
        as avg_first_response_seconds,
    {{ avg_first_response_seconds('first_response_service_seconds_sum', 'first_response_sessions') }}
        as avg_first_response_service_seconds
from daily
-- in day order: the days a run rebuilds are then the table's last row groups (D31)
order by date_day
