-- S10: the clean holiday rows of base_chat__shop_holidays, with or without special hours
-- (S9: the rejected ones are in stg_chat__quarantine).
with

clean as (
    select
        shop_id,
        holiday_date,
        opens_at,
        closes_at,
        opens_minute,
        closes_minute
    from {{ ref('base_chat__shop_holidays') }}
    where quarantine_reason is null
)

select
    shop_id,
    holiday_date,
    opens_at,
    closes_at,
    opens_minute,
    closes_minute
from clean
