{#-
  The S6 daily facts as the reconciliation tests recompute them from fct_sessions, written
  apart from the marts' SQL so that an edit of a mart's count shows up as a failing check.
-#}

{#- The S6 facts that add up, beside the count column (consultations or assigned_sessions). -#}
{% macro additive_fact_names() -%}
    {{ return([
        'vacation_excluded_sessions',
        'smart_resolved_sessions',
        'responded_within_24h_sessions',
        'responded_late_sessions',
        'unresponded_sessions',
        'awaiting_response_sessions',
        'needs_manual_sessions',
        'rated_sessions',
        'satisfied_sessions',
        'first_response_sessions',
        'first_response_seconds_sum',
    ]) }}
{%- endmacro %}

{#- The S10.3 facts of the daily marts that add up, in expected_session_facts too. -#}
{% macro service_fact_names() -%}
    {{ return(['first_response_service_seconds_sum', 'out_of_hours_consultations']) }}
{%- endmacro %}

{#- The S6 and S10.3 facts of a group of fct_sessions rows, named as in fct_shop_daily. -#}
{% macro expected_session_facts() -%}
    count(case when is_vacation_excluded then 1 end) as vacation_excluded_sessions,
    count(case when response_status = 'smart_resolved' then 1 end) as smart_resolved_sessions,
    count(case when response_status = 'responded_within_24h' then 1 end) as responded_within_24h_sessions,
    count(case when response_status = 'responded_late' then 1 end) as responded_late_sessions,
    count(case when response_status = 'unresponded' then 1 end) as unresponded_sessions,
    count(case when response_status = 'awaiting_response' then 1 end) as awaiting_response_sessions,
    count(case when {{ needs_manual_response() }} then 1 end) as needs_manual_sessions,
    count(case when rating_stars is not null then 1 end) as rated_sessions,
    count(case when is_satisfied then 1 end) as satisfied_sessions,
    count(case when {{ has_first_response() }} then 1 end) as first_response_sessions,
    {{ first_response_seconds_sum() }} as first_response_seconds_sum,
    {{ first_response_seconds_sum(seconds='first_response_service_seconds') }} as first_response_service_seconds_sum,
    count(case when not is_started_in_service_hours then 1 end) as out_of_hours_consultations
{%- endmacro %}
