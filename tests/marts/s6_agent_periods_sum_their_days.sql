-- S5, S6: every preset period of rpt_agent_periods holds the sums of fct_agent_daily over its days.
{{ periods_sum_their_days('agent') }}
