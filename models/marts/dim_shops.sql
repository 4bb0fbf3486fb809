with

shops as (
    select
        shop_id,
        shop_name,
        region,
        timezone
    from {{ ref('stg_chat__shops') }}
),

-- S10: a shop has a service calendar when it has a clean row in either calendar table
calendar_shops as (
    select shop_id from {{ ref('stg_chat__shop_service_hours') }}
    union
    select shop_id from {{ ref('stg_chat__shop_holidays') }}
),

flagged as (
    select
        shops.shop_id,
        shops.shop_name,
        shops.region,
        shops.timezone,
        calendar_shops.shop_id is not null as has_service_calendar
    from shops
    left join calendar_shops on shops.shop_id = calendar_shops.shop_id
)

select
    shop_id,
    shop_name,
    region,
    timezone,
    has_service_calendar
from flagged
