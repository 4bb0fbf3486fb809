with

shops as (
    select
        shop_id,
        shop_name,
        region,
        timezone
    from {{ ref('stg_chat__shops') }}
)

select
    shop_id,
    shop_name,
    region,
    timezone
from shops
