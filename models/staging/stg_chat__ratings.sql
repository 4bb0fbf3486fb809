-- The clean rows of base_chat__ratings (S9: the rejected ones are in stg_chat__quarantine).
with

clean as (
    select
        rating_id,
        shop_id,
        buyer_key,
        stars,
        rated_at
    from {{ ref('base_chat__ratings') }}
    where quarantine_reason is null
)

select
    rating_id,
    shop_id,
    buyer_key,
    stars,
    rated_at
from clean
