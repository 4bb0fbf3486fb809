-- I5: per shop and day the hourly slots add up to fct_shop_daily.
with

expected as (
    select
        shop_id,
        date_day,
        consultations,
        first_response_sessions,
        first_response_seconds_sum
    from {{ ref('fct_shop_daily') }}
),

actual as (
    select
        shop_id,
        date_day,
        sum(consultations) as consultations,
        sum(first_response_sessions) as first_response_sessions,
        sum(first_response_seconds_sum) as first_response_seconds_sum
    from {{ ref('fct_shop_hourly') }}
    group by shop_id, date_day
)

{{ compare_facts('actual', 'expected', ['shop_id', 'date_day'],
    ['consultations', 'first_response_sessions', 'first_response_seconds_sum']) }}
