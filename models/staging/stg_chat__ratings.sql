with

checked as (
    select
        rating_id,
        shop_id,
        buyer_id,
        stars,
        rated_at,
        quarantine_reason
    from {{ ref('base_chat__ratings') }}
),

clean as (
    select
        rating_id,
        shop_id,
        buyer_id,
        stars,
        rated_at
    from checked
    where quarantine_reason is null
)

select
    rating_id,
    shop_id,
    buyer_id,
    stars,
    rated_at
from clean
