{#-
  S6 periods. Facts are additive, so a period is the sum of its days and every rate is
  recomputed from the sums with the metric macros (never an average of daily rates).
-#}

{#- What the period reports and their checks key and sum at a `grain` (shop or agent):
    the key columns, the daily mart, its count column and every fact that adds up. -#}
{% macro period_grain(grain) -%}
    {%- set count_column = 'consultations' if grain == 'shop' else 'assigned_sessions' -%}
    {{ return({
        'key_columns': ['shop_id'] if grain == 'shop' else ['shop_id', 'agent_id'],
        'daily_model': 'fct_shop_daily' if grain == 'shop' else 'fct_agent_daily',
        'count_column': count_column,
        'facts': [count_column] + additive_fact_names() + (['unassigned_sessions'] if grain == 'shop' else []),
    }) }}
{%- endmacro %}

{#- sum(fact) as fact for every additive fact, plus the period's rates. `grain` is shop or
    agent. `summed` says how a fact is summed, with {} for its name: `sum({})` over the
    rows of a group (the default), or `{}` where the facts are already a period's sums. -#}
{% macro summed_facts_and_rates(grain='shop', summed='sum({})') -%}
    {%- set count_column = period_grain(grain).count_column -%}
    {%- set s = {} -%}
    {%- for name in [count_column, 'unassigned_sessions'] + additive_fact_names() -%}
        {%- do s.update({name: summed.replace('{}', name)}) -%}
    {%- endfor -%}
    coalesce({{ s[count_column] }}, 0) as {{ count_column }},
    {%- for name in additive_fact_names() %}
    coalesce({{ s[name] }}, 0) as {{ name }},
    {%- endfor %}
    {%- if grain == 'shop' %}
    coalesce({{ s['unassigned_sessions'] }}, 0) as unassigned_sessions,
    {{ response_rate_24h(s['smart_resolved_sessions'], s['responded_within_24h_sessions'], s['consultations'],
        s['vacation_excluded_sessions'], s['awaiting_response_sessions']) }} as response_rate_24h,
    {%- else %}
    {{ manual_response_rate_24h(s['responded_within_24h_sessions'], s['needs_manual_sessions'],
        s['awaiting_response_sessions']) }} as manual_response_rate_24h,
    {%- endif %}
    {{ satisfaction_rate(s['satisfied_sessions'], s['rated_sessions']) }} as satisfaction_rate,
    {{ avg_first_response_seconds(s['first_response_seconds_sum'], s['first_response_sessions']) }}
        as avg_first_response_seconds
{%- endmacro %}

{#- How many days before its as-of day a preset period's sums reach: the day before the
    earliest start (a calendar month's first day, 30 days before its 31st). -#}
{% macro period_reach_days() -%}
    {{ return(31) }}
{%- endmacro %}

{#-
  The seller-centre presets as of a day (S6): (preset name, first day). The last day is
  the as-of day itself. Calendar week and month run from their first day to the as-of
  day (to date). Custom ranges go through custom_period_metrics.
-#}
{% macro period_presets() -%}
    {{ return([
        ['last_7_days', add_days('as_of_date', -6)],
        ['last_28_days', add_days('as_of_date', -27)],
        ['calendar_week', start_of('week', 'as_of_date')],
        ['calendar_month', start_of('month', 'as_of_date')],
    ]) }}
{%- endmacro %}

{#-
  Seller-centre figures of every shop (or one) for a custom range of at most 90 days,
  recomputed from the daily facts. Refuses longer or reversed ranges with a clear message.
  Example: analyses/seller_centre_custom_range.sql. The mart is named by schema and table
  only (D41): the SQL then runs as printed on the warehouse and on its published copy,
  whose DuckDB catalogs are named after their files.
-#}
{% macro custom_period_metrics(start_date, end_date, shop_id=none, grain='shop') -%}
    {%- set start = modules.datetime.date.fromisoformat(start_date | string) -%}
    {%- set end = modules.datetime.date.fromisoformat(end_date | string) -%}
    {%- set days = (end - start).days + 1 -%}
    {%- if days < 1 -%}
        {{ exceptions.raise_compiler_error("custom period: end_date " ~ end ~ " is before start_date " ~ start) }}
    {%- elif days > max_custom_period_days() | int -%}
        {{ exceptions.raise_compiler_error("custom period: " ~ start ~ " to " ~ end ~ " is " ~ days ~ " days; the seller centre allows at most " ~ max_custom_period_days() ~ " days. Choose a shorter range.") }}
    {%- endif -%}
    select
        shop_id,
        {%- if grain == 'agent' %}
        agent_id,
        {%- endif %}
        cast('{{ start }}' as date) as period_start_date,
        cast('{{ end }}' as date) as period_end_date,
        {#- bigint sums, as in the marts: many BI drivers do not know DuckDB's 128-bit sums #}
        {{ summed_facts_and_rates(grain, summed=sum_as_bigint('{}')) }}
    from {{ (ref('fct_shop_daily') if grain == 'shop' else ref('fct_agent_daily')).include(database=false) }}
    where date_day between cast('{{ start }}' as date) and cast('{{ end }}' as date)
    {%- if shop_id is not none %}
        and shop_id = '{{ shop_id }}'
    {%- endif %}
    group by shop_id{{ ', agent_id' if grain == 'agent' }}
{%- endmacro %}

{#- Pivot of int_shops__metric_targets: <metric>_target and <metric>_target_direction per shop. -#}
{% macro pivot_metric_targets(metrics) -%}
    select
        shop_id,
        {%- for metric in metrics %}
        max(case when metric_name = '{{ metric }}' then target_value end) as {{ metric }}_target,
        max(case when metric_name = '{{ metric }}' then target_direction end) as {{ metric }}_target_direction
        {{- ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('int_shops__metric_targets') }}
    group by shop_id
{%- endmacro %}

{#- S8: whether a metric meets its target; null when either is null. -#}
{% macro is_target_met(metric) -%}
    case
        when {{ metric }} is null or {{ metric }}_target is null then null
        when {{ metric }}_target_direction = 'at_most' then {{ metric }} <= {{ metric }}_target
        else {{ metric }} >= {{ metric }}_target
    end
{%- endmacro %}

{#- Every (shop_id, date_day) from each shop's first day in `daily` (a relation or CTE
    with shop_id and date_day) to the latest day in it: the calendar of rolling figures,
    on which a day without a row counts as empty (I3, I8). -#}
{% macro shop_calendar(daily) -%}
    select
        spans.shop_id,
        calendar.date_day
    from (
        select
            shop_id,
            min(date_day) as first_date_day
        from {{ daily }}
        group by shop_id
    ) as spans
    inner join (
        {{ date_series('(select min(date_day) from ' ~ daily ~ ')', '(select max(date_day) from ' ~ daily ~ ')') }}
    ) as calendar
        on calendar.date_day >= spans.first_date_day
{%- endmacro %}
