-- I7: the workload mart's session figures equal fct_agent_daily's (attributed sessions,
-- first responses).
with

agent_daily as (
    select
        shop_id,
        agent_id,
        date_day,
        assigned_sessions,
        first_response_sessions as answered_sessions,
        first_response_seconds_sum
    from {{ ref('fct_agent_daily') }}
),

workload as (
    select
        shop_id,
        agent_id,
        date_day,
        assigned_sessions,
        answered_sessions,
        first_response_seconds_sum
    from {{ ref('fct_agent_workload_daily') }}
    where assigned_sessions > 0
)

{{ compare_facts('workload', 'agent_daily', ['shop_id', 'agent_id', 'date_day'],
    ['assigned_sessions', 'answered_sessions', 'first_response_seconds_sum']) }}
