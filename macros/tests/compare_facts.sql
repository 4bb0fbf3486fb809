{#-
  For reconciliation tests: one row per key and fact where two relations disagree.
  A key present on one side only counts as zeros on the other, so missing rows fail too.
-#}
{% macro compare_facts(actual, expected, keys, facts) -%}
    {%- for fact in facts %}
    select
        {%- for key in keys %}
        coalesce(actual.{{ key }}, expected.{{ key }}) as {{ key }},
        {%- endfor %}
        '{{ fact }}' as fact,
        coalesce(actual.{{ fact }}, 0) as actual_value,
        coalesce(expected.{{ fact }}, 0) as expected_value
    from {{ actual }} as actual
    full outer join {{ expected }} as expected
        on {{ columns_match('actual', 'expected', keys) }}
    where coalesce(actual.{{ fact }}, 0) <> coalesce(expected.{{ fact }}, 0)
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- `sum(name) as name` for each name, comma-separated. -#}
{% macro sum_each(names) -%}
    {%- for name in names -%}
        {{ sum_as_bigint(name) }} as {{ name }}{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{#- `alias.column` for each column, comma-separated: a relation's key columns in a
    select, group by or partition by. -#}
{% macro qualified_columns(alias, columns) -%}
    {%- for column in columns -%}
        {{ alias }}.{{ column }}{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{#- `left.column = right.column` for each column, joined by `and`: a join on key columns. -#}
{% macro columns_match(left, right, columns) -%}
    {%- for column in columns -%}
        {{ left }}.{{ column }} = {{ right }}.{{ column }}{{ ' and ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
