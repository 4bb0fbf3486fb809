{#-
  S9 per delivery (D49): for each delivery file of one raw table, its raw rows = the rows
  kept from it (clean or quarantined: each version's first delivery) + the collapsed
  duplicates counted on its rows. Counts the raw side from the source and the rest from
  the checked base model, so a delivery staged twice or lost fails it.
-#}
{% test raw_rows_reconcile_per_delivery(model, checked_model) %}
    with

    raw_rows as (
        select
            delivery_file,
            count(*) as row_count
        from {{ model }}
        group by delivery_file
    ),

    checked_rows as (
        select
            delivery_file,
            count(case when is_first_delivery and quarantine_reason is null then 1 end) as clean_rows,
            count(case when is_first_delivery and quarantine_reason is not null then 1 end) as quarantined_rows,
            sum(collapsed_rows) as collapsed_rows
        from {{ checked_model }}
        group by delivery_file
    )

    select
        coalesce(raw_rows.delivery_file, checked_rows.delivery_file) as delivery_file,
        coalesce(raw_rows.row_count, 0) as raw_rows,
        coalesce(checked_rows.clean_rows, 0) as clean_rows,
        coalesce(checked_rows.quarantined_rows, 0) as quarantined_rows,
        coalesce(checked_rows.collapsed_rows, 0) as collapsed_rows
    from raw_rows
    full outer join checked_rows on raw_rows.delivery_file = checked_rows.delivery_file
    where coalesce(raw_rows.row_count, 0)
        <> coalesce(checked_rows.clean_rows, 0) + coalesce(checked_rows.quarantined_rows, 0) + coalesce(checked_rows.collapsed_rows, 0)
{% endtest %}
