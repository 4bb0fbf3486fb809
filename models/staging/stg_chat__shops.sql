-- The clean rows of base_chat__shops (S9: the rejected ones are in stg_chat__quarantine).
with

clean as (
    select
        shop_id,
        shop_name,
        region,
        timezone
    from {{ ref('base_chat__shops') }}
    where quarantine_reason is null
)

select
    shop_id,
    shop_name,
    region,
    timezone
from clean
