-- The clean rows of base_chat__agents (S9: the rejected ones are in stg_chat__quarantine).
with

clean as (
    select
        agent_id,
        shop_id,
        agent_name,
        role
    from {{ ref('base_chat__agents') }}
    where quarantine_reason is null
)

select
    agent_id,
    shop_id,
    agent_name,
    role
from clean
