{#-
  S6: the metric formulas, each in one place. Arguments are SQL expressions of the
  summed facts, so the same macro serves a day, a preset period and a custom range:
  rates are always recomputed from summed counts, and a zero denominator gives null.
-#}
{% macro safe_ratio(numerator, denominator) -%}
    case when ({{ denominator }}) = 0 then null else cast({{ numerator }} as {{ type_double() }}) / ({{ denominator }}) end
{%- endmacro %}

{#- 24小时响应率: (smart_resolved + responded_within_24h) / (consultations - vacation_excluded - awaiting). -#}
{% macro response_rate_24h(smart_resolved, responded_within_24h, consultations, vacation_excluded, awaiting) -%}
    {{ safe_ratio(
        '(' ~ smart_resolved ~ ') + (' ~ responded_within_24h ~ ')',
        '(' ~ consultations ~ ') - (' ~ vacation_excluded ~ ') - (' ~ awaiting ~ ')'
    ) }}
{%- endmacro %}

{#- 满意度: satisfied / rated. -#}
{% macro satisfaction_rate(satisfied, rated) -%}
    {{ safe_ratio(satisfied, rated) }}
{%- endmacro %}

{#- 平均首次响应时长: first_response_seconds_sum / first_response_sessions. -#}
{% macro avg_first_response_seconds(seconds_sum, sessions) -%}
    {{ safe_ratio(seconds_sum, sessions) }}
{%- endmacro %}

{#- 24小时人工响应率 (per agent): responded_within_24h / (needs_manual - awaiting). -#}
{% macro manual_response_rate_24h(responded_within_24h, needs_manual, awaiting) -%}
    {{ safe_ratio(responded_within_24h, '(' ~ needs_manual ~ ') - (' ~ awaiting ~ ')') }}
{%- endmacro %}

{#-
  S6: the additive facts of a set of sessions (fct_sessions columns), as sum/count
  expressions; shop and agent facts use the same list, so they cannot drift apart.
-#}
{% macro session_fact_columns() -%}
    {{ return([
        ['vacation_excluded_sessions', 'is_vacation_excluded'],
        ['smart_resolved_sessions', "response_status = 'smart_resolved'"],
        ['responded_within_24h_sessions', "response_status = 'responded_within_24h'"],
        ['responded_late_sessions', "response_status = 'responded_late'"],
        ['unresponded_sessions', "response_status = 'unresponded'"],
        ['awaiting_response_sessions', "response_status = 'awaiting_response'"],
        ['needs_manual_sessions', "not is_vacation_excluded and response_status <> 'smart_resolved'"],
        ['rated_sessions', 'rating_stars is not null'],
        ['satisfied_sessions', 'is_satisfied'],
        ['first_response_sessions', has_first_response()],
    ]) }}
{%- endmacro %}

{% macro session_fact_sums() -%}
    {%- for fact in session_fact_columns() %}
    count(case when {{ fact[1] }} then 1 end) as {{ fact[0] }},
    {%- endfor %}
    {{ first_response_seconds_sum() }} as first_response_seconds_sum
{%- endmacro %}

{#- S6: the seconds of the first responses of a group of sessions, summed over the sessions
    counted in first_response_sessions (`condition`: that flag, when already computed). -#}
{% macro first_response_seconds_sum(condition=none) -%}
    coalesce({{ sum_as_bigint('case when ' ~ (condition or has_first_response()) ~ ' then first_response_seconds end') }}, 0)
{%- endmacro %}

{#- The sum of a whole-number fact as bigint on every engine, as counts are: DuckDB sums
    bigints into a 128-bit hugeint (slow to scan, and a type many BI drivers do not
    know), PostgreSQL into numeric. Seconds and counts of this warehouse fit in bigint. -#}
{% macro sum_as_bigint(expression, over=none) -%}
    cast(sum({{ expression }}){{ ' over ' ~ over if over }} as bigint)
{%- endmacro %}

{#- The S6 fact names that add up (for sums over periods and reconciliation tests). -#}
{% macro additive_fact_names() -%}
    {%- set names = [] -%}
    {%- for fact in session_fact_columns() -%}{%- do names.append(fact[0]) -%}{%- endfor -%}
    {%- do names.append('first_response_seconds_sum') -%}
    {{ return(names) }}
{%- endmacro %}

{#- `sum(name) as name` for each name, comma-separated. -#}
{% macro sum_each(names) -%}
    {%- for name in names -%}
        {{ sum_as_bigint(name) }} as {{ name }}{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{#- `sum(name) over window_name as name` for each name, comma-separated. -#}
{% macro sum_each_over(names, window_name) -%}
    {%- for name in names %}
    {{ sum_as_bigint(name, over=window_name) }} as {{ name }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- `alias.column` for each column, comma-separated: a relation's key columns in a
    select, group by or partition by. -#}
{% macro qualified_columns(alias, columns) -%}
    {%- for column in columns -%}
        {{ alias }}.{{ column }}{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{#- `left.column = right.column` for each column, joined by `and`: a join on key columns. -#}
{% macro columns_match(left, right, columns) -%}
    {%- for column in columns -%}
        {{ left }}.{{ column }} = {{ right }}.{{ column }}{{ ' and ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
