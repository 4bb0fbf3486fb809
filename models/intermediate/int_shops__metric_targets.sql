{#- S8: each shop's target per metric: its region's row of metric_targets, else the DEFAULT row. -#}
with

shops as (
    select
        shop_id,
        region
    from {{ ref('stg_chat__shops') }}
),

targets as (
    select
        region,
        metric_name,
        target_value,
        target_direction
    from {{ ref('metric_targets') }}
),

metrics as (
    select distinct metric_name from targets
),

resolved as (
    select
        shops.shop_id,
        metrics.metric_name,
        coalesce(regional.target_value, fallback.target_value) as target_value,
        coalesce(regional.target_direction, fallback.target_direction) as target_direction
    from shops
    cross join metrics
    left join targets as regional
        on shops.region = regional.region
            and metrics.metric_name = regional.metric_name
    left join targets as fallback
        on fallback.region = 'DEFAULT'
            and metrics.metric_name = fallback.metric_name
)

select
    shop_id,
    metric_name,
    target_value,
    target_direction
from resolved
where target_value is not null
