{#-
  I8 (docs/service-insights.md): the additive parts of seed 004's smart-service figures per
  shop and local day, and the figures of the day. The request-based parts (human requests,
  connection, waiting time, replies) are null when the export has no human_requested
  events at all: the optional raw-contract addition is missing, not zero.
-#}
with

sessions as (
    select
        shop_id,
        date_day,
        smart_answer_messages,
        manual_reply_messages,
        first_smart_answer_at,
        is_smart_resolved,
        human_requested_at,
        human_connected_at,
        human_wait_seconds,
        human_replied_at,
        rating_stars,
        is_satisfied
    from {{ ref('fct_sessions') }}
),

request_events as (
    select count(*) > 0 as has_human_requests
    from {{ ref('stg_chat__session_events') }}
    where event_type = 'human_requested'
),

daily as (
    select
        shop_id,
        date_day,
        {{ smart_service_part_counts() }}
    from sessions
    group by shop_id, date_day
),

parts as (
    select
        daily.shop_id,
        daily.date_day,
        {{ smart_service_parts_if_requests('daily', 'request_events.has_human_requests') }}
    from daily
    cross join request_events
)

select
    shop_id,
    date_day,
    {{ smart_service_part_names() | join(', ') }},
    {{ smart_service_rates() }}
from parts
