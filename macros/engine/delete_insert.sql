{#-
  dbt-duckdb's delete+insert with a list of keys deletes `using` the new rows, a join
  that grows with the square of a key's rows, and our buyer-pair keys (D18) hold many.
  dbt's own default matches each key once (a row-value IN over the distinct new keys);
  dbt finds this name in the root project before the adapter's.
-#}
{% macro duckdb__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
    {{ return(default__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates)) }}
{%- endmacro %}
