{#- S9: every rejected raw row of every table, with its reason and raw values. -#}
{%- set tables = [
    ['shops', 'base_chat__shops', 'shop_id', 'cast(null as timestamp)'],
    ['agents', 'base_chat__agents', 'agent_id', 'cast(null as timestamp)'],
    ['chat_messages', 'base_chat__messages', 'message_id', 'sent_at'],
    ['chat_session_events', 'base_chat__session_events', 'event_id', 'occurred_at'],
    ['session_ratings', 'base_chat__ratings', 'rating_id', 'rated_at'],
    ['shop_vacation_events', 'base_chat__vacation_events', 'event_id', 'occurred_at'],
] -%}

with

{% for table in tables %}
    {{ table[0] }} as (
        select
            '{{ table[0] }}' as source_table,
            {{ table[2] }} as record_id,
            shop_id,
            {{ table[3] }} as record_at,
            quarantine_reason,
            quarantine_detail,
            raw_record
        from {{ ref(table[1]) }}
        where quarantine_reason is not null
    ),
{% endfor %}

unioned as (
    {% for table in tables %}
        select
            source_table,
            record_id,
            shop_id,
            record_at,
            quarantine_reason,
            quarantine_detail,
            raw_record
        from {{ table[0] }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    source_table,
    record_id,
    shop_id,
    record_at,
    quarantine_reason,
    quarantine_detail,
    raw_record
from unioned
