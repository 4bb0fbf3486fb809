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

{#- I8: the six figures of seed 004, each from the summed parts of a day or a rolling
    window; the arguments are SQL expressions of those sums. -#}

{#- 知识点覆盖率: bot-answered sessions / consultations. -#}
{% macro bot_coverage_rate(bot_answered, consultations) -%}
    {{ safe_ratio(bot_answered, consultations) }}
{%- endmacro %}

{#- 机器人解决率: bot-resolved sessions / bot-counted sessions (bot-answered, less those that
    asked for a human before the first smart answer). -#}
{% macro bot_resolution_rate(bot_resolved, bot_counted) -%}
    {{ safe_ratio(bot_resolved, bot_counted) }}
{%- endmacro %}

{#- 20秒接通率: requests connected within the target / sessions with a request. -#}
{% macro human_connected_in_time_rate(connected_in_time, human_requests) -%}
    {{ safe_ratio(connected_in_time, human_requests) }}
{%- endmacro %}

{#- 平均等待时长: waiting seconds summed / connected requests. -#}
{% macro avg_human_wait_seconds(wait_seconds_sum, human_connected) -%}
    {{ safe_ratio(wait_seconds_sum, human_connected) }}
{%- endmacro %}

{#- 人工满意度: satisfied / rated sessions with a manual reply. -#}
{% macro human_satisfaction_rate(human_satisfied, human_rated) -%}
    {{ safe_ratio(human_satisfied, human_rated) }}
{%- endmacro %}

{#- 人工回复率 (excluding greetings): requests followed by a manual reply / sessions with a request. -#}
{% macro human_reply_rate(human_replied, human_requests) -%}
    {{ safe_ratio(human_replied, human_requests) }}
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
