{#- S9: every rejected raw row of every table, with its reason and raw values. -#}
{%- set tables = checked_tables() -%}

with

{% for table in tables %}
    {{ table.table }} as (
        select
            '{{ table.table }}' as source_table,
            {{ table.id }} as record_id,
            shop_id,
            {{ table.at }} as record_at,
            quarantine_reason,
            quarantine_detail,
            raw_record,
            {{ 'staged_at' if table.delivered else 'cast(null as timestamp)' }} as staged_at
        from {{ ref(table.model) }}
        where quarantine_reason is not null{{ ' and is_first_delivery' if table.delivered }}
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
            raw_record,
            staged_at
        from {{ table.table }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

{#- both versions of a conflicting duplicate share record_id; their raw records differ,
    and identical raw rows were collapsed before the checks -#}
select
    {{ dbt.hash(dbt.concat(['source_table', "'|'", 'raw_record'])) }} as quarantine_key,
    source_table,
    record_id,
    shop_id,
    record_at,
    quarantine_reason,
    quarantine_detail,
    raw_record,
    staged_at
from unioned
