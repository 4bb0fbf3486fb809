{#-
  dbt-duckdb's delete+insert with a list of keys deletes `using` the new rows, a join of
  every old row with every new row of its key. Our keys are buyer pairs (D18), which hold
  many rows each (the timeline has one per message), so that join grows with the square
  of a pair's rows: 5.5 of the 7.8 seconds of int_sessions__sessionized on an incremental
  day over a year at 10M messages. The delete here matches each key once, as dbt's own
  default does (a row-value IN over the distinct new keys); the insert is unchanged.
  dbt looks for this name in the root project before the adapter's.
-#}
{% macro duckdb__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
    {{ return(default__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates)) }}
{%- endmacro %}
