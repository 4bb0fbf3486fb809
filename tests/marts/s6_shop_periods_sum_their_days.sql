-- S6: every preset period of rpt_shop_periods holds the sums of fct_shop_daily over its days.
{{ periods_sum_their_days('shop') }}
