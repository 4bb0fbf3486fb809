{#-
  The S9 machinery every base staging model shares, so that each raw table is checked
  the same way:
  - collapse_exact_duplicates: one row per distinct raw row, with `raw_rows` (how many
    raw rows it stands for; raw_rows - 1 were collapsed) and `id_versions` (how many
    distinct rows share its id: more than one is a conflicting duplicate).
  - first_failing_check: the reason code of the first failing check, in order, or null.
-#}
{% macro collapse_exact_duplicates(relation, columns, id_column) -%}
    select
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        count(*) as raw_rows,
        count(*) over (partition by {{ clean_text(id_column) }}) as id_versions
    from {{ relation }}
    group by {{ columns | join(', ') }}
{%- endmacro %}

{#- checks: list of [condition, reason_code]; returns the code of the first that holds. -#}
{% macro first_failing_check(checks) -%}
    case
        {%- for check in checks %}
        when {{ check[0] }} then '{{ check[1] }}'
        {%- endfor %}
    end
{%- endmacro %}

{#- The missing required fields of a row, named, for the quarantine detail. -#}
{% macro missing_fields_detail(columns) -%}
    nullif(concat_ws(', '
        {%- for column in columns %},
        case when {{ column }} is null then '{{ column }}' end
        {%- endfor %}
    ), '')
{%- endmacro %}

{% macro any_missing(columns) -%}
    ({% for column in columns %}{{ column }} is null{{ ' or ' if not loop.last }}{% endfor %})
{%- endmacro %}

{#- The columns of a raw table as the contract lists them (the source's columns), so
    the list lives in one place: models/staging/_chat__sources.yml. -#}
{% macro contract_columns(table, required_only=false) -%}
    {%- set names = [] -%}
    {%- for node in graph.get('sources', {}).values() if node.source_name == 'chat' and node.name == table -%}
        {%- for column in node.columns.values() -%}
            {%- if not required_only or column.meta.get('required', false) -%}
                {%- do names.append(column.name) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if execute and names | length == 0 -%}
        {{ exceptions.raise_compiler_error("contract_columns: no source table chat." ~ table) }}
    {%- endif -%}
    {{ return(names if names else ['_parsing']) }}
{%- endmacro %}
