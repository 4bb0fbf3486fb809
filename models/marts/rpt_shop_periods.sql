{#- S6, S8: seller-centre preset periods per shop as of each day (see macro period_report). -#}
-- depends_on: {{ ref('fct_sessions') }} (incremental runs read the sessions touched since the floor, D31)
{{ config(
    materialized=incremental_unless_spark(),
    incremental_strategy='rebuilt_days',
    unique_key=['shop_id', 'as_of_date'],
    on_schema_change='fail'
) }}
{{ period_report('shop') }}
