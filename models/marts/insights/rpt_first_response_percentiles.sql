{#-
  I4 (docs/service-insights.md): median and 90th percentile of the first response per shop
  and local day (continuous percentile over the day's first-response sessions). One row per
  shop-day of fct_shop_daily: a day without first responses (every session vacation-excluded,
  or only awaiting a reply) has 0 of them and null percentiles. They do not add up over days;
  a period's percentile comes from fct_sessions.
-#}
{{ rebuilt_days_config('date_day') }}
with

sessions as (
    select
        shop_id,
        date_day,
        {{ has_first_response() }} as has_first_response,
        first_response_seconds
    from {{ ref('fct_sessions') }} as all_sessions  -- noqa: AL05
    where {{ is_rebuilt_day('all_sessions.shop_id', 'all_sessions.date_day') }}
),

-- every session keeps its shop-day; only first responses have seconds (aggregates skip nulls)
first_responses as (
    select
        shop_id,
        date_day,
        has_first_response,
        case when has_first_response then first_response_seconds end as first_response_seconds
    from sessions
),

daily as (
    select
        shop_id,
        date_day,
        count(case when has_first_response then 1 end) as first_response_sessions,
        {{ percentile_cont(0.5, 'first_response_seconds') }} as median_first_response_seconds,
        {{ percentile_cont(0.9, 'first_response_seconds') }} as p90_first_response_seconds
    from first_responses
    group by shop_id, date_day
)

select
    shop_id,
    date_day,
    first_response_sessions,
    median_first_response_seconds,
    p90_first_response_seconds
from daily
-- in day order: the days a run rebuilds are then the table's last row groups (D31)
order by date_day
