{#- S6, S8: seller-centre preset periods per shop as of each day (see macro period_report). -#}
{{ shop_day_incremental_config('as_of_date') }}
{{ period_report('shop') }}
