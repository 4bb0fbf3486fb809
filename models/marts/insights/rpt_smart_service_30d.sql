{#-
  I8 (docs/service-insights.md): seed 004's figures over the 30 local days (var
  smart_service_window_days) ending on each day (rolling), per shop: the parts of
  fct_smart_service_daily summed over the window, the rates recomputed from the sums. Days
  from the shop's first day to the latest day in the warehouse; days without sessions add
  0. Incremental by shop and day (D31).
-#}
{%- set parts = smart_service_part_names() %}
{%- set window_days = smart_service_window_days() | int %}
-- depends_on: {{ ref('fct_sessions') }} (incremental runs read the sessions touched since the floor, D31)
{{ config(
    materialized=incremental_unless_spark(),
    incremental_strategy='rebuilt_days',
    unique_key=['shop_id', 'date_day'],
    on_schema_change='fail'
) }}
with

daily as (
    select
        shop_id,
        date_day,
        {{ parts | join(', ') }}
    from {{ ref('fct_smart_service_daily') }}
),

shop_days as (
    {{ shop_calendar('daily') }}
),

-- on incremental runs (D31) the days rebuilt and the days their windows reach back to; every
-- shop rebuilds whole when the export gained (or lost) its human_requested events (D23)
spine as (
    {{ rebuilt_days_with_reach('shop_days', window_days - 1, whole_shops=smart_service_shops_with_changed_requests()) }}
),

filled as (
    select
        spine.shop_id,
        spine.date_day,
        spine.is_rebuilt,
        {{ smart_service_parts_filled('daily') }}
    from spine
    left join daily
        on spine.shop_id = daily.shop_id
            and spine.date_day = daily.date_day
),

rolling as (
    select
        shop_id,
        date_day,
        is_rebuilt,
        {{ add_days('date_day', 1 - window_days) }} as window_start_date,
        {{ sum_each_over(parts, 'last_n_days') }}
    from filled
    window last_n_days as (
        partition by shop_id order by date_day rows between {{ window_days - 1 }} preceding and current row
    )
)

select
    shop_id,
    date_day,
    window_start_date,
    {{ parts | join(', ') }},
    {{ smart_service_rates() }}
from rolling
where is_rebuilt
-- in day order: the days a run rebuilds are then the table's last row groups (D31)
order by date_day
