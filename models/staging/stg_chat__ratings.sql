-- The clean rows of base_chat__ratings (S9: the rejected ones are in stg_chat__quarantine).
with

clean as (
    select
        rating_id,
        shop_id,
        buyer_key,
        stars,
        rated_at,
        staged_at
    from {{ ref('base_chat__ratings') }}
    where quarantine_reason is null and is_first_delivery
)

select
    rating_id,
    shop_id,
    buyer_key,
    stars,
    rated_at,
    staged_at
from clean
