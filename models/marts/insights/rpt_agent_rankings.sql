{#-
  I7 (docs/service-insights.md): agents ranked within their shop for every seller-centre
  period of rpt_agent_periods (preset and as-of day): by attributed sessions (most first),
  manual 24h response rate (highest first), average first response (fastest first) and
  satisfaction (highest first). rank(): ties share a rank; a null figure ranks last.
-#}
{#- one window per (shop, day, period); spelt out in each rank() since Spark cannot add an order to a named window -#}
{%- set period_agents = 'partition by shop_id, as_of_date, period_name' %}
{{ rebuilt_days_config('as_of_date') }}
with

agent_periods as (
    select
        shop_id,
        agent_id,
        as_of_date,
        period_name,
        period_start_date,
        period_end_date,
        assigned_sessions,
        manual_response_rate_24h,
        avg_first_response_seconds,
        satisfaction_rate
    from {{ ref('rpt_agent_periods') }} as all_agent_periods  -- noqa: AL05
    where {{ is_rebuilt_day('all_agent_periods.shop_id', 'all_agent_periods.as_of_date', 'as_of_date') }}
),

ranked as (
    select
        *,
        rank() over ({{ period_agents }} order by assigned_sessions desc) as rank_by_assigned_sessions,
        rank() over ({{ period_agents }} order by manual_response_rate_24h desc nulls last)
            as rank_by_manual_response_rate_24h,
        rank() over ({{ period_agents }} order by avg_first_response_seconds asc nulls last)
            as rank_by_avg_first_response_seconds,
        rank() over ({{ period_agents }} order by satisfaction_rate desc nulls last) as rank_by_satisfaction_rate
    from agent_periods
)

select
    shop_id,
    agent_id,
    as_of_date,
    period_name,
    period_start_date,
    period_end_date,
    assigned_sessions,
    manual_response_rate_24h,
    avg_first_response_seconds,
    satisfaction_rate,
    rank_by_assigned_sessions,
    rank_by_manual_response_rate_24h,
    rank_by_avg_first_response_seconds,
    rank_by_satisfaction_rate
from ranked
-- in day order: the days a run rebuilds are then the table's last row groups (D31)
order by as_of_date
