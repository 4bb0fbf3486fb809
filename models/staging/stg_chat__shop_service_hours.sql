-- S10: the clean weekly service hours of base_chat__shop_service_hours, one row per
-- interval (S9: the rejected ones are in stg_chat__quarantine).
with

clean as (
    select
        shop_id,
        weekday,
        opens_at,
        closes_at,
        opens_minute,
        closes_minute,
        valid_from
    from {{ ref('base_chat__shop_service_hours') }}
    where quarantine_reason is null
)

select
    shop_id,
    weekday,
    opens_at,
    closes_at,
    opens_minute,
    closes_minute,
    valid_from
from clean
