{#-
  I5 (docs/service-insights.md): per shop, local day and local hour in which sessions
  started: consultations and first responses, the data of a weekday-by-hour heat map
  (sum any period by day_of_week and hour_of_day). Hours without sessions have no row.
-#}
{{ rebuilt_days_config('date_day') }}
with

sessions as (
    select
        shop_id,
        date_day,
        session_started_at,
        is_vacation_excluded,
        first_manual_reply_at,
        first_response_seconds
    from {{ ref('fct_sessions') }} as all_sessions  -- noqa: AL05
    where {{ is_rebuilt_day('all_sessions.shop_id', 'all_sessions.date_day') }}
),

shops as (
    select
        shop_id,
        timezone
    from {{ ref('stg_chat__shops') }}
),

slotted as (
    select
        sessions.shop_id,
        sessions.date_day,
        {{ local_hour('sessions.session_started_at', 'shops.timezone') }} as hour_of_day,
        {{ has_first_response('sessions') }} as has_first_response,
        sessions.first_response_seconds
    from sessions
    inner join shops on sessions.shop_id = shops.shop_id
),

hourly as (
    select
        shop_id,
        date_day,
        hour_of_day,
        count(*) as consultations,
        count(case when has_first_response then 1 end) as first_response_sessions,
        {{ first_response_seconds_sum('has_first_response') }} as first_response_seconds_sum
    from slotted
    group by shop_id, date_day, hour_of_day
)

select
    shop_id,
    date_day,
    {{ iso_weekday('date_day') }} as day_of_week,
    hour_of_day,
    consultations,
    first_response_sessions,
    first_response_seconds_sum,
    {{ avg_first_response_seconds('first_response_seconds_sum', 'first_response_sessions') }}
        as avg_first_response_seconds
from hourly
-- in day order: the days a run rebuilds are then the table's last row groups (D31)
order by date_day
