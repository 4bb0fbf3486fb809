{#-
  Server engines: the roles that dbt `grants:` gives select on the marts (dbt_project.yml,
  SERVICE_ANALYTICS_BI_ROLES) also need usage on the marts schema, or the grant on the
  tables is useless; dbt grants tables only, so this on-run-end hook grants the schema.
  The roles are read from the marts models' own grants config: one definition.
  Nothing else is granted: staging, intermediate, reference and raw stay unreadable.
-#}
{% macro grant_marts_schema_usage() %}
    {{ return(adapter.dispatch('grant_marts_schema_usage', 'service_analytics')()) }}
{% endmacro %}

{% macro default__grant_marts_schema_usage() %}
    {{ return('') }}
{% endmacro %}

{% macro postgres__grant_marts_schema_usage() %}
    {% if not execute %}{{ return('') }}{% endif %}
    {% set marts_schema = generate_schema_name('marts', none) | trim %}
    {% set statements = [] %}
    {% set seen = [] %}
    {% for node in graph.nodes.values() if node.resource_type == 'model' and node.schema == marts_schema %}
        {% for role in (node.config.grants or {}).get('select', []) if role not in seen %}
            {% do seen.append(role) %}
        {% endfor %}
    {% endfor %}
    {% set schema_exists = run_query(
        "select count(*) from information_schema.schemata where schema_name = '" ~ marts_schema ~ "'"
    ).columns[0].values()[0] > 0 %}
    {% if schema_exists %}
        {% for role in seen %}
            {% do statements.append('grant usage on schema ' ~ adapter.quote(marts_schema) ~ ' to ' ~ adapter.quote(role)) %}
        {% endfor %}
    {% endif %}
    {{ return(statements | join(';\n')) }}
{% endmacro %}
