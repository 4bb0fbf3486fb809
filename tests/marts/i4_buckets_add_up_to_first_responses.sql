-- I4: per shop and day the response-time buckets (all agents, unattributed included) add
-- up to fct_shop_daily's first responses, and the beyond-window bucket holds exactly the
-- responded_late sessions.
with

expected as (
    select
        shop_id,
        date_day,
        first_response_sessions,
        first_response_seconds_sum,
        responded_late_sessions
    from {{ ref('fct_shop_daily') }}
),

buckets as (
    select
        bucket_code,
        is_beyond_response_window
    from {{ ref('response_time_buckets') }}
),

actual as (
    select
        daily.shop_id,
        daily.date_day,
        sum(daily.first_response_sessions) as first_response_sessions,
        sum(daily.first_response_seconds_sum) as first_response_seconds_sum,
        sum(case when buckets.is_beyond_response_window then daily.first_response_sessions else 0 end)
            as responded_late_sessions
    from {{ ref('fct_response_time_buckets_daily') }} as daily
    inner join buckets on daily.bucket_code = buckets.bucket_code
    group by daily.shop_id, daily.date_day
)

{{ compare_facts('actual', 'expected', ['shop_id', 'date_day'],
    ['first_response_sessions', 'first_response_seconds_sum', 'responded_late_sessions']) }}
