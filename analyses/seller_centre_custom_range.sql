-- The seller-centre figures of one shop for a custom range (S6: at most 90 days).
-- Compile it to get the SQL, then run that SQL with any client:
--   dbt compile -s seller_centre_custom_range --vars '{shop: S0001, start: 2026-10-01, end: 2026-10-31}'
--   cat target/compiled/service_analytics/analyses/seller_centre_custom_range.sql
-- A range over 90 days, or an end before the start, stops with a clear message.
{{ custom_period_metrics(
    start_date=var('start', '2026-10-01'),
    end_date=var('end', '2026-10-31'),
    shop_id=var('shop', 'S0001'),
) }}
