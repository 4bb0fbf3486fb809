{#-
  S9: export quality per raw table, UTC day and reason, for charting over time. Every
  distinct raw row is counted once: clean rows under reason 'clean', rejected rows under
  their quarantine reason; exact duplicates that collapsed are counted with the row they
  collapsed into. Rows without a parseable timestamp (and the reference tables shops and
  agents) have a null date_day.
-#}
{%- set tables = checked_tables() -%}

with

checked_rows as (
    {%- for table in tables %}
        select
            '{{ table.table }}' as source_table,
            cast({{ table.at }} as date) as date_day,
            coalesce(quarantine_reason, 'clean') as reason,
            quarantine_reason is not null as is_quarantined,
            {{ 'is_first_delivery' if table.delivered else 'true' }} as is_kept_copy,
            raw_rows,
            collapsed_rows
        from {{ ref(table.model) }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

-- S2.4, S2.5, S9: clean messages and events outside any session are kept and counted here
outside_sessions as (
    select
        case when row_type = 'message' then 'chat_messages' else 'chat_session_events' end as source_table,
        cast(happened_at as date) as date_day,
        'clean' as reason,
        count(*) as outside_session_rows
    from {{ ref('int_sessions__sessionized') }}
    where not is_in_session
    group by source_table, date_day
),

by_reason as (
    select
        source_table,
        date_day,
        reason,
        {{ sum_as_bigint('raw_rows') }} as raw_rows,
        count(case when is_kept_copy and not is_quarantined then 1 end) as clean_rows,
        count(case when is_kept_copy and is_quarantined then 1 end) as quarantined_rows,
        {{ sum_as_bigint('collapsed_rows') }} as collapsed_rows
    from checked_rows
    group by source_table, date_day, reason
),

with_day_totals as (
    select
        by_reason.*,
        coalesce(outside_sessions.outside_session_rows, 0) as outside_session_rows,
        {{ sum_as_bigint('by_reason.raw_rows', over='(partition by by_reason.source_table, by_reason.date_day)') }}
            as day_raw_rows
    from by_reason
    left join outside_sessions
        on by_reason.source_table = outside_sessions.source_table
            and by_reason.date_day = outside_sessions.date_day
            and by_reason.reason = outside_sessions.reason
)

select
    source_table,
    date_day,
    reason,
    raw_rows,
    clean_rows,
    quarantined_rows,
    collapsed_rows,
    outside_session_rows,
    day_raw_rows,
    cast(quarantined_rows as {{ type_double() }}) / day_raw_rows as quarantined_share_of_day
from with_day_totals
