with

checked as (
    select
        agent_id,
        shop_id,
        agent_name,
        role,
        quarantine_reason
    from {{ ref('base_chat__agents') }}
),

clean as (
    select
        agent_id,
        shop_id,
        agent_name,
        role
    from checked
    where quarantine_reason is null
)

select
    agent_id,
    shop_id,
    agent_name,
    role
from clean
