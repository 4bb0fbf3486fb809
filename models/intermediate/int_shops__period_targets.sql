{#- S8: each shop's targets of the period reports' rates, one value and direction column per metric. -#}
with

targets as (
    select
        shop_id,
        metric_name,
        target_value,
        target_direction
    from {{ ref('int_shops__metric_targets') }}
),

pivoted as (
    select
        shop_id,
        max(case when metric_name = 'response_rate_24h' then target_value end) as response_rate_24h_target,
        max(case when metric_name = 'response_rate_24h' then target_direction end)
            as response_rate_24h_target_direction,
        max(case when metric_name = 'manual_response_rate_24h' then target_value end)
            as manual_response_rate_24h_target,
        max(case when metric_name = 'manual_response_rate_24h' then target_direction end)
            as manual_response_rate_24h_target_direction,
        max(case when metric_name = 'satisfaction_rate' then target_value end) as satisfaction_rate_target,
        max(case when metric_name = 'satisfaction_rate' then target_direction end)
            as satisfaction_rate_target_direction,
        max(case when metric_name = 'avg_first_response_seconds' then target_value end)
            as avg_first_response_seconds_target,
        max(case when metric_name = 'avg_first_response_seconds' then target_direction end)
            as avg_first_response_seconds_target_direction
    from targets
    group by shop_id
)

select
    shop_id,
    response_rate_24h_target,
    response_rate_24h_target_direction,
    manual_response_rate_24h_target,
    manual_response_rate_24h_target_direction,
    satisfaction_rate_target,
    satisfaction_rate_target_direction,
    avg_first_response_seconds_target,
    avg_first_response_seconds_target_direction
from pivoted
