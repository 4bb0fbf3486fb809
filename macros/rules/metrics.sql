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

{#- S10.3: consultations started outside the shop's service hours. -#}
{% macro out_of_hours_consultations() -%}
    count(case when not is_started_in_service_hours then 1 end)
{%- endmacro %}

{#- 24小时人工响应率 (per agent): responded_within_24h / (needs_manual - awaiting). -#}
{% macro manual_response_rate_24h(responded_within_24h, needs_manual, awaiting) -%}
    {{ safe_ratio(responded_within_24h, '(' ~ needs_manual ~ ') - (' ~ awaiting ~ ')') }}
{%- endmacro %}

{#- S6: a session that needs a manual response: not excluded for vacation and not resolved
    by the smart assistant (the denominator of the per-agent response rate). -#}
{% macro needs_manual_response() -%}
    (not is_vacation_excluded and response_status <> 'smart_resolved')
{%- endmacro %}

{#- S6: the seconds of the first responses of a group of sessions, summed over the sessions
    counted in first_response_sessions (`condition`: that flag, when already computed);
    `seconds`: first_response_seconds, or first_response_service_seconds (S10.3). -#}
{% macro first_response_seconds_sum(condition=none, seconds='first_response_seconds') -%}
    coalesce({{ sum_as_bigint('case when ' ~ (condition or has_first_response()) ~ ' then ' ~ seconds ~ ' end') }}, 0)
{%- endmacro %}

{#- The sum of a whole-number fact as bigint on every engine, as counts are: DuckDB sums
    bigints into a 128-bit hugeint (slow to scan, and a type many BI drivers do not
    know), PostgreSQL into numeric. Seconds and counts of this warehouse fit in bigint. -#}
{% macro sum_as_bigint(expression, over=none) -%}
    cast(sum({{ expression }}){{ ' over ' ~ over if over }} as bigint)
{%- endmacro %}
