{#- Schemas are named exactly as configured (staging, intermediate, marts, reference):
    marts-contract.md promises BI tools the schema `marts`, not `<target>_marts`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
