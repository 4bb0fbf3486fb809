{#-
  Pseudonymous buyers and stable session ids. buyer_key is a hash keyed by
  SERVICE_ANALYTICS_HASH_KEY; only the bundled sample may build without it, so a real
  export is never hashed with the public sample key (D40).
-#}

{% macro buyer_hash_key() -%}
    {%- set key = env_var('SERVICE_ANALYTICS_HASH_KEY', '') -%}
    {%- if key -%}
        {{ return(key) }}
    {%- elif target.type != 'duckdb' and not execute -%}
        {#- server engines: what was loaded is known only when the run can query; the SQL
            rendered while dbt parses is never run -#}
        {{ return('decided-when-the-run-starts') }}
    {%- elif is_bundled_sample_export() -%}
        {{ return('service-analytics-sample-key') }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("SERVICE_ANALYTICS_HASH_KEY is not set. Buyers are pseudonymised with a keyed hash; set the variable to a secret of your own (and keep it stable, or buyer_key and session_id change) before building a real export, e.g. export SERVICE_ANALYTICS_HASH_KEY=$(openssl rand -hex 32). Only the bundled sample (data/sample) builds without it"
            ~ (", and the raw schema on the " ~ target.name ~ " target was loaded from " ~ build_export_identity() if target.type != 'duckdb' else "") ~ ".") }}
    {%- endif -%}
{%- endmacro %}

{#- Whether this run reads the bundled sample: on DuckDB, raw_data_dir is the project's
    data/sample folder; on server engines, the loader recorded that it loaded that folder. -#}
{% macro is_bundled_sample_export() %}
    {% if target.type == 'duckdb' %}
        {{ return(absolute_raw_data_dir() == normalised_path(project_dir() ~ '/data/sample')) }}
    {% endif %}
    {% set loaded = loaded_export_identity() %}
    {{ return(loaded is not none and loaded['is_bundled_sample'] | string | lower == 'true') }}
{% endmacro %}

{#- What `service-analytics load` recorded about the export in the raw schema of a server
    engine (folder, is_bundled_sample), or none when it recorded nothing. -#}
{% macro loaded_export_identity() %}
    {% if not execute %}{{ return(none) }}{% endif %}
    {% set database = none if target.type == 'spark' else target.database %}
    {% set relation = adapter.get_relation(database=database, schema='raw', identifier='export_identity') %}
    {% if relation is none %}{{ return(none) }}{% endif %}
    {% set rows = run_query("select folder, is_bundled_sample from " ~ relation).rows %}
    {{ return({'folder': rows[0][0], 'is_bundled_sample': rows[0][1]} if rows | length > 0 else none) }}
{% endmacro %}

{#- The project root, where dbt runs and relative raw_data_dir paths start. -#}
{% macro project_dir() %}
    {{ return(invocation_args_dict.get('project_dir') or '.') }}
{% endmacro %}

{#- raw_data_dir as an absolute path without `.`, `..` or a trailing slash. -#}
{% macro absolute_raw_data_dir() %}
    {% set raw_dir = var('raw_data_dir') | string | trim %}
    {{ return(normalised_path(raw_dir if raw_dir.startswith('/') else project_dir() ~ '/' ~ raw_dir)) }}
{% endmacro %}

{% macro normalised_path(path) %}
    {% set parts = [] %}
    {% for part in path.split('/') if part not in ['', '.'] %}
        {% if part == '..' %}
            {% if parts %}{% do parts.pop() %}{% endif %}
        {% else %}
            {% do parts.append(part) %}
        {% endif %}
    {% endfor %}
    {{ return('/' ~ parts | join('/')) }}
{% endmacro %}

{% macro buyer_key(buyer_id) -%}
    {{ hash_text("'" ~ buyer_hash_key() | replace("'", "''") ~ "|' || " ~ buyer_id) }}
{%- endmacro %}

{#- session_id: derived from the pair and the start, so it is stable across rebuilds. -#}
{% macro session_id(shop_id, buyer_key, started_at) -%}
    substr({{ hash_text(shop_id ~ " || '|' || " ~ buyer_key ~ " || '|' || cast(" ~ started_at ~ " as " ~ dbt.type_string() ~ ")") }}, 1, 32)
{%- endmacro %}
