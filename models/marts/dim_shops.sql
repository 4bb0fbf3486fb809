with

shops as (
    select
        shop_id,
        shop_name,
        region,
        timezone
    from {{ ref('stg_chat__shops') }}
),

calendars as (
    select
        shop_id,
        has_service_calendar
    from {{ ref('int_shops__timezones') }}
),

flagged as (
    select
        shops.shop_id,
        shops.shop_name,
        shops.region,
        shops.timezone,
        coalesce(calendars.has_service_calendar, false) as has_service_calendar
    from shops
    left join calendars on shops.shop_id = calendars.shop_id
)

select
    shop_id,
    shop_name,
    region,
    timezone,
    has_service_calendar
from flagged
