-- The per-agent table of the seller centre (被分配会话数, 24小时人工响应率, ...) for a
-- custom range of at most 90 days, for one shop.
--   dbt compile -s agent_custom_range --vars '{shop: S0001, start: 2026-10-01, end: 2026-10-31}'
{{ custom_period_metrics(
    start_date=var('start', '2026-10-01'),
    end_date=var('end', '2026-10-31'),
    shop_id=var('shop', 'S0001'),
    grain='agent',
) }}
