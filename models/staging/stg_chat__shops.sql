with

checked as (
    select
        shop_id,
        shop_name,
        region,
        timezone,
        quarantine_reason
    from {{ ref('base_chat__shops') }}
),

clean as (
    select
        shop_id,
        shop_name,
        region,
        timezone
    from checked
    where quarantine_reason is null
)

select
    shop_id,
    shop_name,
    region,
    timezone
from clean
