{#-
  S9, nothing is lost: for one raw table, raw rows = clean rows + quarantined rows +
  collapsed exact duplicates. Counts each part from a different relation, so a row
  dropped or doubled anywhere between the source and staging fails it.
-#}
{% test raw_rows_reconcile(model, clean_model, checked_model, source_table) %}
    with

    raw_rows as (
        select count(*) as row_count from {{ model }}
    ),

    clean_rows as (
        select count(*) as row_count from {{ clean_model }}
    ),

    quarantined_rows as (
        select count(*) as row_count
        from {{ ref('stg_chat__quarantine') }}
        where source_table = '{{ source_table }}'
    ),

    collapsed_rows as (
        select coalesce(sum(collapsed_rows), 0) as row_count from {{ checked_model }}
    )

    select
        raw_rows.row_count as raw_rows,
        clean_rows.row_count as clean_rows,
        quarantined_rows.row_count as quarantined_rows,
        collapsed_rows.row_count as collapsed_rows
    from raw_rows
    cross join clean_rows
    cross join quarantined_rows
    cross join collapsed_rows
    where raw_rows.row_count
        <> clean_rows.row_count + quarantined_rows.row_count + collapsed_rows.row_count
{% endtest %}
