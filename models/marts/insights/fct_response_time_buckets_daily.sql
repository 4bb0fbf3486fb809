{#-
  I4 (docs/service-insights.md): first responses per shop, attributed agent (S5; null for
  unattributed sessions), local day and response-time bucket (seed response_time_buckets),
  as counts so that any period and any set of agents add up. Buckets without sessions
  have no row.
-#}
{{ rebuilt_days_config('date_day') }}
with

sessions as (
    select
        shop_id,
        assigned_agent_id,
        date_day,
        first_response_seconds
    from {{ ref('fct_sessions') }} as all_sessions  -- noqa: AL05
    where {{ has_first_response() }}
        and {{ is_rebuilt_day('all_sessions.shop_id', 'all_sessions.date_day') }}
),

buckets as (
    select
        bucket_code,
        bucket_order,
        -- the seed writes {window} for the response window, a variable
        replace(bucket_label, '{window}', '{{ response_window_label() }}') as bucket_label,
        lower_seconds,
        upper_seconds,
        is_beyond_response_window
    from {{ ref('response_time_buckets') }}
),

bucketed as (
    select
        sessions.shop_id,
        sessions.assigned_agent_id as agent_id,
        sessions.date_day,
        buckets.bucket_code,
        buckets.bucket_order,
        buckets.bucket_label,
        sessions.first_response_seconds
    from sessions
    inner join buckets on {{ in_response_time_bucket('sessions.first_response_seconds') }}
),

daily as (
    select
        shop_id,
        agent_id,
        date_day,
        bucket_code,
        bucket_order,
        bucket_label,
        count(*) as first_response_sessions,
        {{ sum_as_bigint('first_response_seconds') }} as first_response_seconds_sum
    from bucketed
    group by shop_id, agent_id, date_day, bucket_code, bucket_order, bucket_label
)

select
    shop_id,
    agent_id,
    date_day,
    bucket_code,
    bucket_order,
    bucket_label,
    first_response_sessions,
    first_response_seconds_sum
from daily
-- in day order: the days a run rebuilds are then the table's last row groups (D31)
order by date_day
