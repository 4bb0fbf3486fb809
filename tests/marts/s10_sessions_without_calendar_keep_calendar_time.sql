-- S10: a shop without a service calendar is in service at all hours (24/7), so each of its
-- sessions starts in service hours and its first response in service time equals the
-- calendar-time one, to the second.
with

calendar_shops as (
    select shop_id
    from {{ ref('int_shops__timezones') }}
    where has_service_calendar
),

sessions as (
    select
        session_id,
        shop_id,
        first_response_seconds,
        first_response_service_seconds,
        is_started_in_service_hours
    from {{ ref('fct_sessions') }}
)

select
    sessions.session_id,
    sessions.shop_id,
    sessions.first_response_seconds,
    sessions.first_response_service_seconds,
    sessions.is_started_in_service_hours
from sessions
left join calendar_shops on sessions.shop_id = calendar_shops.shop_id
where
    calendar_shops.shop_id is null
    and (
        coalesce(sessions.first_response_service_seconds, -1) <> coalesce(sessions.first_response_seconds, -1)
        or not sessions.is_started_in_service_hours
    )
