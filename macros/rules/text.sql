{#- How exported ids, codes and keywords are compared (S1, I1). -#}

{#- A text id or code as exported: trimmed, empty means null. -#}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{#- A code compared case-insensitively (S1): trimmed, lower case, empty means null. -#}
{% macro normalise_code(column) -%}
    lower({{ clean_text(column) }})
{%- endmacro %}

{#- Whether `text` contains `fragment`, both compared lower-cased (I1 keyword rules). -#}
{% macro contains_text(text, fragment) -%}
    ({{ dbt.position('lower(' ~ fragment ~ ')', 'lower(' ~ text ~ ')') }} > 0)
{%- endmacro %}
