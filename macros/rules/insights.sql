{#- The rules of docs/service-insights.md (I1 to I8) that more than one model uses. -#}

{#- I2: the one source of a session, from its smart-answer and manual-reply counts. -#}
{% macro session_source(smart_answer_messages, manual_reply_messages) -%}
    case
        when {{ smart_answer_messages }} > 0 and {{ manual_reply_messages }} > 0 then 'bot_then_human'
        when {{ smart_answer_messages }} > 0 then 'bot_only'
        when {{ manual_reply_messages }} > 0 then 'human_only'
        else 'unanswered'
    end
{%- endmacro %}

{#- I2: the four session sources, in the order of their count columns. -#}
{% macro session_sources() -%}
    {{ return(['bot_only', 'bot_then_human', 'human_only', 'unanswered']) }}
{%- endmacro %}

{#- I2: the four source counts of a group of sessions (columns <source>_sessions). -#}
{% macro session_source_counts(source_column='session_source') -%}
    {%- for source in session_sources() %}
    count(case when {{ source_column }} = '{{ source }}' then 1 end) as {{ source }}_sessions{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- I2: the four source counts of a group of groups, summing the groups' counts. -#}
{% macro session_source_sums(relation_alias) -%}
    {%- for source in session_sources() %}
    {{ sum_as_bigint(relation_alias ~ '.' ~ source ~ '_sessions') }} as {{ source }}_sessions{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- I4: the join condition that puts a first response of `seconds` into a row of the
    response_time_buckets seed (alias `buckets`); exactly one bucket matches. -#}
{% macro in_response_time_bucket(seconds, buckets='buckets') -%}
    case
        when {{ buckets }}.is_beyond_response_window then {{ seconds }} > {{ response_window_seconds() }}
        else {{ seconds }} <= {{ response_window_seconds() }}
            and {{ seconds }} >= {{ buckets }}.lower_seconds
            and ({{ buckets }}.upper_seconds is null or {{ seconds }} < {{ buckets }}.upper_seconds)
    end
{%- endmacro %}

{#- I4, I5, I7: a session counted in response-time figures (the S6 first_response_sessions). -#}
{% macro has_first_response(relation_alias=none) -%}
    {%- set prefix = relation_alias ~ '.' if relation_alias else '' -%}
    (not {{ prefix }}is_vacation_excluded and {{ prefix }}first_manual_reply_at is not null)
{%- endmacro %}

{#- I8: a request for a human connected within this many seconds is in time
    (var human_connect_target_seconds, default 20, seed 004). -#}
{% macro human_connect_target_seconds() -%}
    {{ positive_number_var('human_connect_target_seconds') }}
{%- endmacro %}

{#- I8: the rolling window of the smart-service figures, in local days
    (var smart_service_window_days, default 30, seed 004). -#}
{% macro smart_service_window_days() -%}
    {{ positive_number_var('smart_service_window_days') | int }}
{%- endmacro %}

{#- I8: the additive parts of the smart-service figures: (name, aggregate over fct_sessions
    rows, whether it needs human_requested events). The request parts are null when the
    export has no such events. -#}
{% macro smart_service_part_columns() -%}
    {%- set bot_counted = "smart_answer_messages > 0 and not coalesce(human_requested_at < first_smart_answer_at, false)" -%}
    {%- set counted = [
        ['consultations', 'true', false],
        ['bot_answered_sessions', 'smart_answer_messages > 0', false],
        ['bot_counted_sessions', bot_counted, false],
        ['bot_resolved_sessions', bot_counted ~ ' and is_smart_resolved', false],
        ['human_request_sessions', 'human_requested_at is not null', true],
        ['human_connected_sessions', 'human_connected_at is not null', true],
        ['connected_in_time_sessions', 'human_wait_seconds <= ' ~ human_connect_target_seconds(), true],
        ['human_replied_sessions', 'human_replied_at is not null', true],
        ['human_rated_sessions', 'manual_reply_messages > 0 and rating_stars is not null', false],
        ['human_satisfied_sessions', 'manual_reply_messages > 0 and is_satisfied', false],
    ] -%}
    {%- set parts = [] -%}
    {%- for part in counted -%}
        {%- do parts.append([part[0], 'count(case when ' ~ part[1] ~ ' then 1 end)', part[2]]) -%}
    {%- endfor -%}
    {%- do parts.append(['human_wait_seconds_sum', 'coalesce(' ~ sum_as_bigint('human_wait_seconds') ~ ', 0)', true]) -%}
    {{ return(parts) }}
{%- endmacro %}

{% macro smart_service_part_names(request_parts_only=false) -%}
    {%- set names = [] -%}
    {%- for part in smart_service_part_columns() if part[2] or not request_parts_only -%}
        {%- do names.append(part[0]) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{#- I8: the parts of a group of fct_sessions rows. -#}
{% macro smart_service_part_counts() -%}
    {%- for part in smart_service_part_columns() %}
    {{ part[1] }} as {{ part[0] }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- I8: the parts of `relation`; the request parts null unless `has_requests` holds. -#}
{% macro smart_service_parts_if_requests(relation, has_requests) -%}
    {%- for name in smart_service_part_names() %}
    {%- if name in smart_service_part_names(request_parts_only=true) %}
    case when {{ has_requests }} then {{ relation }}.{{ name }} end as {{ name }}{{ ',' if not loop.last }}
    {%- else %}
    {{ relation }}.{{ name }}{{ ',' if not loop.last }}
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#- I8: the parts of `relation` on a day without a row: 0, except the request parts,
    which stay null for an export without requests. -#}
{% macro smart_service_parts_filled(relation) -%}
    {%- for name in smart_service_part_names() %}
    {%- if name in smart_service_part_names(request_parts_only=true) %}
    {{ relation }}.{{ name }}{{ ',' if not loop.last }}
    {%- else %}
    coalesce({{ relation }}.{{ name }}, 0) as {{ name }}{{ ',' if not loop.last }}
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#- I8: the six figures of seed 004 from the summed parts (a day or a rolling window). -#}
{% macro smart_service_rates() -%}
    {{ safe_ratio('bot_answered_sessions', 'consultations') }} as bot_coverage_rate,
    {{ safe_ratio('bot_resolved_sessions', 'bot_counted_sessions') }} as bot_resolution_rate,
    {{ safe_ratio('connected_in_time_sessions', 'human_request_sessions') }} as human_connected_in_time_rate,
    {{ safe_ratio('human_wait_seconds_sum', 'human_connected_sessions') }} as avg_human_wait_seconds,
    {{ safe_ratio('human_satisfied_sessions', 'human_rated_sessions') }} as human_satisfaction_rate,
    {{ safe_ratio('human_replied_sessions', 'human_request_sessions') }} as human_reply_rate
{%- endmacro %}

{#- I3 on incremental runs (D31): the shops whose set of topics changed since the last
    run. A topic's row runs from the shop's first day (zeros before the topic first
    appears), so a new or vanished topic changes every day of its shop. -#}
{% macro hotspot_shops_with_changed_topics() -%}
    select coalesce(built_topics.shop_id, current_topics.shop_id) as shop_id
    from (select distinct shop_id, topic_level, topic_code from {{ this }}) as built_topics
    full outer join (
        select distinct shop_id, topic_level, topic_code from {{ ref('fct_topic_daily') }}
    ) as current_topics
        on built_topics.shop_id = current_topics.shop_id
            and built_topics.topic_level = current_topics.topic_level
            and built_topics.topic_code = current_topics.topic_code
    where built_topics.shop_id is null or current_topics.shop_id is null
{%- endmacro %}

{#- How many days before a day the I3 averages reach. -#}
{% macro hotspot_reach_days() -%}
    {{ return(28) }}
{%- endmacro %}

{#- I8 on incremental runs (D31): every shop, when the export gained (or lost) its
    human_requested events since the last run; the request parts of every day then
    change from null to counts (or back). -#}
{% macro smart_service_shops_with_changed_requests() -%}
    select distinct shop_id
    from {{ ref('fct_smart_service_daily') }}
    where (select count(human_request_sessions) > 0 from {{ this }})
        <> (select count(human_request_sessions) > 0 from {{ ref('fct_smart_service_daily') }})
{%- endmacro %}
