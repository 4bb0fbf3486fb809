{#-
  Pseudonymous buyers and stable session ids.

  buyer_key: a keyed hash of the buyer id; the key comes from the environment variable
  SERVICE_ANALYTICS_HASH_KEY. The bundled sample builds with a documented default key;
  any other export without the variable set stops with a clear message, so a real
  export is never hashed with a key that is public.
-#}

{% macro buyer_hash_key() -%}
    {%- set key = env_var('SERVICE_ANALYTICS_HASH_KEY', '') -%}
    {%- if key -%}
        {{ return(key) }}
    {%- elif var('raw_data_dir') | string in ['data/sample', 'data/sample/'] -%}
        {{ return('service-analytics-sample-key') }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("SERVICE_ANALYTICS_HASH_KEY is not set. Buyers are pseudonymised with a keyed hash; set the variable to a secret of your own (and keep it stable, or buyer_key and session_id change) before building a real export, e.g. export SERVICE_ANALYTICS_HASH_KEY=$(openssl rand -hex 32).") }}
    {%- endif -%}
{%- endmacro %}

{% macro buyer_key(buyer_id) -%}
    {{ hash_text("'" ~ buyer_hash_key() | replace("'", "''") ~ "|' || " ~ buyer_id) }}
{%- endmacro %}

{#- session_id: derived from the pair and the start, so it is stable across rebuilds. -#}
{% macro session_id(shop_id, buyer_key, started_at) -%}
    substr({{ hash_text(shop_id ~ " || '|' || " ~ buyer_key ~ " || '|' || cast(" ~ started_at ~ " as " ~ type_text() ~ ")") }}, 1, 32)
{%- endmacro %}
