-- Marts contract: per shop and day, every count summed over fct_agent_daily plus the
-- same count over the day's unassigned sessions equals fct_shop_daily (S5, S6);
-- assigned_sessions pairs with consultations.
with

shop_daily as (
    select * from {{ ref('fct_shop_daily') }}
),

agents_summed as (
    select
        shop_id,
        date_day,
        sum(assigned_sessions) as consultations,
        {{ sum_each(additive_fact_names() + service_fact_names()) }}
    from {{ ref('fct_agent_daily') }}
    group by shop_id, date_day
),

unassigned as (
    select
        shop_id,
        date_day,
        count(*) as consultations,
        {{ expected_session_facts() }}
    from {{ ref('fct_sessions') }}
    where assigned_agent_id is null
    group by shop_id, date_day
),

combined as (
    select
        shop_id,
        date_day,
        {{ sum_each(['consultations'] + additive_fact_names() + service_fact_names()) }}
    from (
        select * from agents_summed
        union all
        select * from unassigned
    ) as parts
    group by shop_id, date_day
)

{{ compare_facts('shop_daily', 'combined', ['shop_id', 'date_day'],
    ['consultations'] + additive_fact_names() + service_fact_names()) }}
