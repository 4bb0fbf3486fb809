{#-
  S6, S8: the seller-centre presets (last 7 days, last 28 days, calendar week and month to
  date) as of every day, per shop, from its first day with data to the latest day in the
  warehouse: the facts of fct_shop_daily summed over the period, the rates recomputed from
  the sums, each rate with its target and whether it is met. Incremental by shop and as-of
  day (D31); rpt_agent_periods is the same report per agent.
-#}
{{ rebuilt_days_config('as_of_date') }}
with

daily as (
    select
        shop_id,
        date_day,
        consultations,
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
        unassigned_sessions
    from {{ ref('fct_shop_daily') }}
),

shop_targets as (
    select
        shop_id,
        response_rate_24h_target,
        response_rate_24h_target_direction,
        satisfaction_rate_target,
        satisfaction_rate_target_direction,
        avg_first_response_seconds_target,
        avg_first_response_seconds_target_direction
    from {{ ref('int_shops__period_targets') }}
),

preset_periods as (
    select
        as_of_date,
        period_name,
        period_start_date,
        period_end_date
    from {{ ref('int_calendar__preset_periods') }}
),

spans as (
    select
        shop_id,
        min(date_day) as first_date_day,
        (select max(all_days.date_day) from daily as all_days) as last_date_day
    from daily
    group by shop_id
),

calendar as (
    {{ date_series('(select min(first_date_day) from spans)', '(select max(last_date_day) from spans)') }}
),

shop_calendar as (
    select
        spans.shop_id,
        calendar.date_day
    from spans
    cross join calendar
),

-- on incremental runs (D31) the days rebuilt and the days their periods reach back to
-- (a period starts at most 30 days before its as-of day, and its sums need the day before)
needed_shop_days as (
    {{ rebuilt_days_with_reach('shop_calendar', period_reach_days(), 'as_of_date') }}
),

as_of_days as (
    select
        spans.shop_id,
        needed_shop_days.date_day as as_of_date,
        needed_shop_days.is_rebuilt
    from spans
    inner join needed_shop_days
        on spans.shop_id = needed_shop_days.shop_id
            and needed_shop_days.date_day between spans.first_date_day and spans.last_date_day
),

-- the preset periods that end on each as-of day the run rebuilds
periods as (
    select
        as_of_days.shop_id,
        as_of_days.as_of_date,
        preset_periods.period_name,
        preset_periods.period_start_date,
        preset_periods.period_end_date
    from as_of_days
    inner join preset_periods on as_of_days.as_of_date = preset_periods.as_of_date
    where as_of_days.is_rebuilt
),

-- each shop's facts summed from its first day (on incremental runs, its first day needed)
-- to each day: a period's facts are then the sums at its last day less those at the day
-- before its first, two lookups instead of a range join over every day of every period
-- (the facts are whole numbers, so exact)
running as (
    select
        as_of_days.shop_id,
        as_of_days.as_of_date,
        {{ sum_as_bigint('coalesce(daily.consultations, 0)', over='running_days') }} as consultations,
        {{ sum_as_bigint('coalesce(daily.vacation_excluded_sessions, 0)', over='running_days') }}
            as vacation_excluded_sessions,
        {{ sum_as_bigint('coalesce(daily.smart_resolved_sessions, 0)', over='running_days') }}
            as smart_resolved_sessions,
        {{ sum_as_bigint('coalesce(daily.responded_within_24h_sessions, 0)', over='running_days') }}
            as responded_within_24h_sessions,
        {{ sum_as_bigint('coalesce(daily.responded_late_sessions, 0)', over='running_days') }}
            as responded_late_sessions,
        {{ sum_as_bigint('coalesce(daily.unresponded_sessions, 0)', over='running_days') }} as unresponded_sessions,
        {{ sum_as_bigint('coalesce(daily.awaiting_response_sessions, 0)', over='running_days') }}
            as awaiting_response_sessions,
        {{ sum_as_bigint('coalesce(daily.needs_manual_sessions, 0)', over='running_days') }} as needs_manual_sessions,
        {{ sum_as_bigint('coalesce(daily.rated_sessions, 0)', over='running_days') }} as rated_sessions,
        {{ sum_as_bigint('coalesce(daily.satisfied_sessions, 0)', over='running_days') }} as satisfied_sessions,
        {{ sum_as_bigint('coalesce(daily.first_response_sessions, 0)', over='running_days') }}
            as first_response_sessions,
        {{ sum_as_bigint('coalesce(daily.first_response_seconds_sum, 0)', over='running_days') }}
            as first_response_seconds_sum,
        {{ sum_as_bigint('coalesce(daily.first_response_service_seconds_sum, 0)', over='running_days') }}
            as first_response_service_seconds_sum,
        {{ sum_as_bigint('coalesce(daily.out_of_hours_consultations, 0)', over='running_days') }}
            as out_of_hours_consultations,
        {{ sum_as_bigint('coalesce(daily.unassigned_sessions, 0)', over='running_days') }} as unassigned_sessions
    from as_of_days
    left join daily
        on as_of_days.shop_id = daily.shop_id and as_of_days.as_of_date = daily.date_day
    window running_days as (
        partition by as_of_days.shop_id
        order by as_of_days.as_of_date rows between unbounded preceding and current row
    )
),

period_facts as (
    select
        periods.shop_id,
        periods.as_of_date,
        periods.period_name,
        periods.period_start_date,
        periods.period_end_date,
        period_end.consultations - coalesce(before_start.consultations, 0) as consultations,
        period_end.vacation_excluded_sessions - coalesce(before_start.vacation_excluded_sessions, 0)
            as vacation_excluded_sessions,
        period_end.smart_resolved_sessions - coalesce(before_start.smart_resolved_sessions, 0)
            as smart_resolved_sessions,
        period_end.responded_within_24h_sessions - coalesce(before_start.responded_within_24h_sessions, 0)
            as responded_within_24h_sessions,
        period_end.responded_late_sessions - coalesce(before_start.responded_late_sessions, 0)
            as responded_late_sessions,
        period_end.unresponded_sessions - coalesce(before_start.unresponded_sessions, 0) as unresponded_sessions,
        period_end.awaiting_response_sessions - coalesce(before_start.awaiting_response_sessions, 0)
            as awaiting_response_sessions,
        period_end.needs_manual_sessions - coalesce(before_start.needs_manual_sessions, 0) as needs_manual_sessions,
        period_end.rated_sessions - coalesce(before_start.rated_sessions, 0) as rated_sessions,
        period_end.satisfied_sessions - coalesce(before_start.satisfied_sessions, 0) as satisfied_sessions,
        period_end.first_response_sessions - coalesce(before_start.first_response_sessions, 0)
            as first_response_sessions,
        period_end.first_response_seconds_sum - coalesce(before_start.first_response_seconds_sum, 0)
            as first_response_seconds_sum,
        period_end.first_response_service_seconds_sum - coalesce(
            before_start.first_response_service_seconds_sum, 0
        ) as first_response_service_seconds_sum,
        period_end.out_of_hours_consultations - coalesce(before_start.out_of_hours_consultations, 0)
            as out_of_hours_consultations,
        period_end.unassigned_sessions - coalesce(before_start.unassigned_sessions, 0) as unassigned_sessions
    from periods
    inner join running as period_end
        on periods.shop_id = period_end.shop_id and periods.as_of_date = period_end.as_of_date
    left join running as before_start
        on periods.shop_id = before_start.shop_id
            and before_start.as_of_date = {{ add_days('periods.period_start_date', -1) }}
),

-- the rates recomputed from the period's sums (never an average of daily rates), beside
-- the shop's targets
period_rates as (
    select
        period_facts.shop_id,
        period_facts.as_of_date,
        period_facts.period_name,
        period_facts.period_start_date,
        period_facts.period_end_date,
        period_facts.consultations,
        period_facts.vacation_excluded_sessions,
        period_facts.smart_resolved_sessions,
        period_facts.responded_within_24h_sessions,
        period_facts.responded_late_sessions,
        period_facts.unresponded_sessions,
        period_facts.awaiting_response_sessions,
        period_facts.needs_manual_sessions,
        period_facts.rated_sessions,
        period_facts.satisfied_sessions,
        period_facts.first_response_sessions,
        period_facts.first_response_seconds_sum,
        period_facts.first_response_service_seconds_sum,
        period_facts.out_of_hours_consultations,
        period_facts.unassigned_sessions,
        {{ response_rate_24h(
            'period_facts.smart_resolved_sessions', 'period_facts.responded_within_24h_sessions',
            'period_facts.consultations', 'period_facts.vacation_excluded_sessions',
            'period_facts.awaiting_response_sessions'
        ) }} as response_rate_24h,
        {{ satisfaction_rate('period_facts.satisfied_sessions', 'period_facts.rated_sessions') }} as satisfaction_rate,
        {{ avg_first_response_seconds(
            'period_facts.first_response_seconds_sum', 'period_facts.first_response_sessions'
        ) }} as avg_first_response_seconds,
        {{ avg_first_response_seconds(
            'period_facts.first_response_service_seconds_sum', 'period_facts.first_response_sessions'
        ) }} as avg_first_response_service_seconds,
        shop_targets.response_rate_24h_target,
        shop_targets.response_rate_24h_target_direction,
        shop_targets.satisfaction_rate_target,
        shop_targets.satisfaction_rate_target_direction,
        shop_targets.avg_first_response_seconds_target,
        shop_targets.avg_first_response_seconds_target_direction
    from period_facts
    left join shop_targets on period_facts.shop_id = shop_targets.shop_id
)

select
    shop_id,
    as_of_date,
    period_name,
    period_start_date,
    period_end_date,
    consultations,
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
    unassigned_sessions,
    response_rate_24h,
    response_rate_24h_target,
    {{ is_target_met('response_rate_24h') }} as is_response_rate_24h_target_met,
    satisfaction_rate,
    satisfaction_rate_target,
    {{ is_target_met('satisfaction_rate') }} as is_satisfaction_rate_target_met,
    avg_first_response_seconds,
    avg_first_response_seconds_target,
    {{ is_target_met('avg_first_response_seconds') }} as is_avg_first_response_seconds_target_met,
    avg_first_response_service_seconds
from period_rates
-- in day order: the days a run rebuilds are then the table's last row groups (D31)
order by as_of_date
