{#-
  S6 periods. Facts are additive, so a period is the sum of its days and every rate is
  recomputed from the sums with the metric macros (never an average of daily rates).
-#}

{#- How many days before its as-of day a preset period's sums reach: the day before the
    earliest start (a calendar month's first day, 30 days before its 31st). -#}
{% macro period_reach_days() -%}
    {{ return(31) }}
{%- endmacro %}

{#-
  S6: the first day of a seller-centre preset period whose last day is `as_of_date` (the
  as-of day itself). Calendar week and month run from their first day to the as-of day (to
  date). Custom ranges go through custom_period_metrics.
-#}
{% macro preset_period_start(period_name, as_of_date) -%}
    {%- if period_name == 'last_7_days' -%}
        {{ add_days(as_of_date, -6) }}
    {%- elif period_name == 'last_28_days' -%}
        {{ add_days(as_of_date, -27) }}
    {%- elif period_name == 'calendar_week' -%}
        {{ start_of('week', as_of_date) }}
    {%- elif period_name == 'calendar_month' -%}
        {{ start_of('month', as_of_date) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("preset_period_start: unknown preset " ~ period_name) }}
    {%- endif -%}
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
    {%- set count_column = 'consultations' if grain == 'shop' else 'assigned_sessions' %}
    with

    {#- bigint sums, as in the marts: many BI drivers do not know DuckDB's 128-bit sums #}
    period_facts as (
        select
            shop_id,
            {%- if grain == 'agent' %}
            agent_id,
            {%- endif %}
            {{ sum_as_bigint(count_column) }} as {{ count_column }},
            {{ sum_as_bigint('vacation_excluded_sessions') }} as vacation_excluded_sessions,
            {{ sum_as_bigint('smart_resolved_sessions') }} as smart_resolved_sessions,
            {{ sum_as_bigint('responded_within_24h_sessions') }} as responded_within_24h_sessions,
            {{ sum_as_bigint('responded_late_sessions') }} as responded_late_sessions,
            {{ sum_as_bigint('unresponded_sessions') }} as unresponded_sessions,
            {{ sum_as_bigint('awaiting_response_sessions') }} as awaiting_response_sessions,
            {{ sum_as_bigint('needs_manual_sessions') }} as needs_manual_sessions,
            {{ sum_as_bigint('rated_sessions') }} as rated_sessions,
            {{ sum_as_bigint('satisfied_sessions') }} as satisfied_sessions,
            {{ sum_as_bigint('first_response_sessions') }} as first_response_sessions,
            {{ sum_as_bigint('first_response_seconds_sum') }} as first_response_seconds_sum,
            {{ sum_as_bigint('first_response_service_seconds_sum') }} as first_response_service_seconds_sum,
            {{ sum_as_bigint('out_of_hours_consultations') }} as out_of_hours_consultations
            {%- if grain == 'shop' %},
            {{ sum_as_bigint('unassigned_sessions') }} as unassigned_sessions
            {%- endif %}
        from {{ (ref('fct_shop_daily') if grain == 'shop' else ref('fct_agent_daily')).include(database=false) }}
        where date_day between cast('{{ start }}' as date) and cast('{{ end }}' as date)
        {%- if shop_id is not none %}
            and shop_id = '{{ shop_id }}'
        {%- endif %}
        group by shop_id{{ ', agent_id' if grain == 'agent' }}
    )

    select
        shop_id,
        {%- if grain == 'agent' %}
        agent_id,
        {%- endif %}
        cast('{{ start }}' as date) as period_start_date,
        cast('{{ end }}' as date) as period_end_date,
        {{ count_column }},
        vacation_excluded_sessions,
        smart_resolved_sessions,
        responded_within_24h_sessions,
        responded_late_sessions,
        unresponded_sessions,
        awaiting_response_sessions,
        needs_manual_sessions,
        rated_sessions,
        satisfied_sessions,
        first_response_sessions,
        first_response_seconds_sum,
        first_response_service_seconds_sum,
        out_of_hours_consultations,
        {%- if grain == 'shop' %}
        unassigned_sessions,
        {{ response_rate_24h('smart_resolved_sessions', 'responded_within_24h_sessions', 'consultations',
            'vacation_excluded_sessions', 'awaiting_response_sessions') }} as response_rate_24h,
        {%- else %}
        {{ manual_response_rate_24h('responded_within_24h_sessions', 'needs_manual_sessions',
            'awaiting_response_sessions') }} as manual_response_rate_24h,
        {%- endif %}
        {{ satisfaction_rate('satisfied_sessions', 'rated_sessions') }} as satisfaction_rate,
        {{ avg_first_response_seconds('first_response_seconds_sum', 'first_response_sessions') }}
            as avg_first_response_seconds,
        {{ avg_first_response_seconds('first_response_service_seconds_sum', 'first_response_sessions') }}
            as avg_first_response_service_seconds
    from period_facts
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
