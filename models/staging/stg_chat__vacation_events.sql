-- The clean rows of base_chat__vacation_events (S9: the rejected ones are in stg_chat__quarantine).
with

clean as (
    select
        event_id,
        shop_id,
        event_type,
        is_vacation_on,
        occurred_at
    from {{ ref('base_chat__vacation_events') }}
    where quarantine_reason is null
)

select
    event_id,
    shop_id,
    event_type,
    is_vacation_on,
    occurred_at
from clean
