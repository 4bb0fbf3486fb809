-- Marts contract: fct_shop_daily equals fct_sessions grouped by shop and day (S6).
with

shop_daily as (
    select * from {{ ref('fct_shop_daily') }}
),

sessions_grouped as (
    select
        shop_id,
        date_day,
        count(*) as consultations,
        {{ expected_session_facts() }},
        count(case when assigned_agent_id is null then 1 end) as unassigned_sessions
    from {{ ref('fct_sessions') }}
    group by shop_id, date_day
)

{{ compare_facts('shop_daily', 'sessions_grouped', ['shop_id', 'date_day'],
    ['consultations'] + additive_fact_names() + service_fact_names() + ['unassigned_sessions']) }}
