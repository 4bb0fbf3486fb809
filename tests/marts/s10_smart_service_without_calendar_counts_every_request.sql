-- S10.3: for a shop without a service calendar every request for a human is made in
-- service time, so the in-service counts equal human_request_sessions and
-- connected_in_time_sessions (both null for an export without human_requested events).
with

calendar_shops as (
    select shop_id
    from {{ ref('int_shops__timezones') }}
    where has_service_calendar
),

smart_service as (
    select
        shop_id,
        date_day,
        human_request_sessions,
        connected_in_time_sessions,
        in_service_request_sessions,
        in_service_connected_in_time_sessions
    from {{ ref('fct_smart_service_daily') }}
)

select
    smart_service.shop_id,
    smart_service.date_day,
    smart_service.human_request_sessions,
    smart_service.in_service_request_sessions,
    smart_service.connected_in_time_sessions,
    smart_service.in_service_connected_in_time_sessions
from smart_service
left join calendar_shops on smart_service.shop_id = calendar_shops.shop_id
where
    calendar_shops.shop_id is null
    and (
        coalesce(smart_service.in_service_request_sessions, -1) <> coalesce(smart_service.human_request_sessions, -1)
        or coalesce(smart_service.in_service_connected_in_time_sessions, -1)
        <> coalesce(smart_service.connected_in_time_sessions, -1)
    )
