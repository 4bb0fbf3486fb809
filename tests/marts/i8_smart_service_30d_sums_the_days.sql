-- I8: each 30-day window sums exactly the daily parts of its 30 local days (recomputed
-- here with a range join, independently of the model's window frame), the two counts in
-- service time (S10.3) included, and the daily consultations equal fct_shop_daily's.
with

daily as (
    select
        shop_id,
        date_day,
        consultations,
        bot_answered_sessions,
        human_rated_sessions,
        in_service_request_sessions,
        in_service_connected_in_time_sessions
    from {{ ref('fct_smart_service_daily') }}
),

rolling as (
    select
        shop_id,
        date_day,
        window_start_date,
        consultations,
        bot_answered_sessions,
        human_rated_sessions,
        in_service_request_sessions,
        in_service_connected_in_time_sessions
    from {{ ref('rpt_smart_service_30d') }}
),

expected as (
    select
        rolling.shop_id,
        rolling.date_day,
        coalesce(sum(daily.consultations), 0) as consultations,
        coalesce(sum(daily.bot_answered_sessions), 0) as bot_answered_sessions,
        coalesce(sum(daily.human_rated_sessions), 0) as human_rated_sessions,
        sum(daily.in_service_request_sessions) as in_service_request_sessions,
        sum(daily.in_service_connected_in_time_sessions) as in_service_connected_in_time_sessions
    from rolling
    left join daily
        on rolling.shop_id = daily.shop_id
            and daily.date_day between rolling.window_start_date and rolling.date_day
    group by rolling.shop_id, rolling.date_day
),

shop_daily as (
    select
        shop_id,
        date_day,
        consultations
    from {{ ref('fct_shop_daily') }}
)

{{ compare_facts('rolling', 'expected', ['shop_id', 'date_day'],
    ['consultations', 'bot_answered_sessions', 'human_rated_sessions',
        'in_service_request_sessions', 'in_service_connected_in_time_sessions']) }}
union all
{{ compare_facts('daily', 'shop_daily', ['shop_id', 'date_day'], ['consultations']) }}
