-- S9: rpt_data_quality accounts for every raw row: per table, its raw rows equal the
-- source's row count, and raw = clean + quarantined + collapsed.
{%- set tables = var('raw_contract') | list %}

with

source_counts as (
    {%- for table in tables %}
        select
            '{{ table }}' as source_table,
            count(*) as source_rows
        from {{ source('chat', table) }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

report as (
    select
        source_table,
        sum(raw_rows) as raw_rows,
        sum(clean_rows) + sum(quarantined_rows) + sum(collapsed_rows) as accounted_rows
    from {{ ref('rpt_data_quality') }}
    group by source_table
)

select
    source_counts.source_table,
    source_counts.source_rows,
    coalesce(report.raw_rows, 0) as raw_rows,
    coalesce(report.accounted_rows, 0) as accounted_rows
from source_counts
left join report on source_counts.source_table = report.source_table
-- a table with no rows has no report rows: zero on both sides
where coalesce(report.raw_rows, 0) <> source_counts.source_rows
    or coalesce(report.accounted_rows, 0) <> source_counts.source_rows
