{#- Every agent the facts can name: the agents table, plus ids seen only on messages or events (S9: kept, flagged). -#}
with

agents as (
    select
        agent_id,
        shop_id,
        agent_name,
        role
    from {{ ref('stg_chat__agents') }}
),

agent_roles as (
    select
        role,
        can_view_service_page
    from {{ ref('agent_roles') }}
),

attributed as (
    select distinct
        shop_id,
        assigned_agent_id as agent_id
    from {{ ref('fct_sessions') }}
    where assigned_agent_id is not null
),

unknown_agents as (
    select
        attributed.agent_id,
        attributed.shop_id,
        cast(null as {{ dbt.type_string() }}) as agent_name,
        cast(null as {{ dbt.type_string() }}) as role
    from attributed
    where attributed.agent_id not in (select agents.agent_id from agents)
),

all_agents as (
    select
        agent_id,
        shop_id,
        agent_name,
        role,
        true as is_in_agents_table
    from agents
    union all
    select
        agent_id,
        shop_id,
        agent_name,
        role,
        false as is_in_agents_table
    from unknown_agents
)

select
    all_agents.agent_id,
    all_agents.shop_id,
    all_agents.agent_name,
    all_agents.role,
    coalesce(agent_roles.can_view_service_page, false) as can_view_service_page,
    all_agents.is_in_agents_table
from all_agents
left join agent_roles on all_agents.role = agent_roles.role
