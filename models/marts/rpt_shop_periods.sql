{#- S6, S8: seller-centre preset periods per shop as of each day (see macro period_report). -#}
{{ shop_day_incremental_config('as_of_date') }}
-- depends_on: {{ ref('fct_sessions') }}
{{ period_report('shop') }}
