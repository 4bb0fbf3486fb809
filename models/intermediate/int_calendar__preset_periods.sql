{#-
  S6: the four seller-centre preset periods (last 7 days, last 28 days, calendar week and
  month to date) that end on each day from the first to the last local day with a session.
  A period's first day depends only on its last day, so both period reports join this.
-#}
with

session_days as (
    select
        min(date_day) as first_date_day,
        max(date_day) as last_date_day
    from {{ ref('int_sessions__outcomes') }}
),

calendar as (
    {{ date_series('(select first_date_day from session_days)', '(select last_date_day from session_days)') }}
),

presets as (
    select
        date_day as as_of_date,
        'last_7_days' as period_name,
        {{ preset_period_start('last_7_days', 'date_day') }} as period_start_date
    from calendar
    union all
    select
        date_day as as_of_date,
        'last_28_days' as period_name,
        {{ preset_period_start('last_28_days', 'date_day') }} as period_start_date
    from calendar
    union all
    select
        date_day as as_of_date,
        'calendar_week' as period_name,
        {{ preset_period_start('calendar_week', 'date_day') }} as period_start_date
    from calendar
    union all
    select
        date_day as as_of_date,
        'calendar_month' as period_name,
        {{ preset_period_start('calendar_month', 'date_day') }} as period_start_date
    from calendar
)

select
    as_of_date,
    period_name,
    period_start_date,
    as_of_date as period_end_date
from presets
