-- I6: per shop and day the rating distribution adds up to fct_shop_daily's rated and
-- satisfied sessions.
with

expected as (
    select
        shop_id,
        date_day,
        rated_sessions,
        satisfied_sessions
    from {{ ref('fct_shop_daily') }}
),

actual as (
    select
        shop_id,
        date_day,
        sum(rated_sessions) as rated_sessions,
        sum(satisfied_sessions) as satisfied_sessions
    from {{ ref('fct_rating_distribution_daily') }}
    group by shop_id, date_day
)

{{ compare_facts('actual', 'expected', ['shop_id', 'date_day'], ['rated_sessions', 'satisfied_sessions']) }}
