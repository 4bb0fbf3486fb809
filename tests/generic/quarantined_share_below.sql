{#-
  S9 monitoring: one row per raw table and day whose quarantined share of raw rows is
  above `max_share` (var max_quarantined_share); rows with no day (reference tables,
  unparseable timestamps) are in the mart but not judged per day. Used with severity warn: a bad export
  day is reported, the build goes on.
-#}
{% test quarantined_share_below(model, max_share) %}
    select
        source_table,
        date_day,
        sum(quarantined_rows) as quarantined_rows,
        max(day_raw_rows) as day_raw_rows
    from {{ model }}
    where date_day is not null
    group by source_table, date_day
    having sum(quarantined_rows) > {{ max_share }} * max(day_raw_rows)
{% endtest %}
