with

checked as (
    select
        event_id,
        shop_id,
        event_type,
        is_vacation_on,
        occurred_at,
        quarantine_reason
    from {{ ref('base_chat__vacation_events') }}
),

clean as (
    select
        event_id,
        shop_id,
        event_type,
        is_vacation_on,
        occurred_at
    from checked
    where quarantine_reason is null
)

select
    event_id,
    shop_id,
    event_type,
    is_vacation_on,
    occurred_at
from clean
