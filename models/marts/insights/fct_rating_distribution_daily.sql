{#-
  I6 (docs/service-insights.md): rated sessions (S7) per shop, local day, stars and the
  response-time bucket of the session's first response (no_first_response when it has
  none), with the satisfied ones. Satisfaction by stars or by bucket is a sum over the
  other column.
-#}
{{ rebuilt_days_config('date_day') }}
with

sessions as (
    select
        shop_id,
        date_day,
        is_vacation_excluded,
        first_manual_reply_at,
        first_response_seconds,
        rating_stars,
        is_satisfied
    from {{ ref('fct_sessions') }} as all_sessions  -- noqa: AL05
    where rating_stars is not null
        and {{ is_rebuilt_day('all_sessions.shop_id', 'all_sessions.date_day') }}
),

buckets as (
    select
        bucket_code,
        lower_seconds,
        upper_seconds,
        is_beyond_response_window
    from {{ ref('response_time_buckets') }}
),

bucketed as (
    select
        sessions.shop_id,
        sessions.date_day,
        sessions.rating_stars,
        sessions.is_satisfied,
        coalesce(buckets.bucket_code, 'no_first_response') as bucket_code
    from sessions
    left join buckets
        on {{ has_first_response('sessions') }}
            and {{ in_response_time_bucket('sessions.first_response_seconds') }}
),

daily as (
    select
        shop_id,
        date_day,
        rating_stars,
        bucket_code,
        count(*) as rated_sessions,
        count(case when is_satisfied then 1 end) as satisfied_sessions
    from bucketed
    group by shop_id, date_day, rating_stars, bucket_code
)

select
    shop_id,
    date_day,
    rating_stars,
    bucket_code,
    rated_sessions,
    satisfied_sessions
from daily
-- in day order: the days a run rebuilds are then the table's last row groups (D31)
order by date_day
