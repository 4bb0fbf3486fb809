{#- Every threshold of the spec, defined once. Models call these, never the vars directly. -#}

{#- S2: inactivity that ends a session, in seconds (var session_timeout_hours, default 48). -#}
{% macro session_timeout_seconds() -%}
    {{ positive_number_var('session_timeout_hours') * 3600 }}
{%- endmacro %}

{#- S4: the 24-hour response window, in seconds (var response_window_hours, default 24 = 86400 s). -#}
{% macro response_window_seconds() -%}
    {{ positive_number_var('response_window_hours') * 3600 }}
{%- endmacro %}

{#- S4: the response window as labels print it, e.g. 24 h or 1.5 h. -#}
{% macro response_window_label() -%}
    {{ positive_number_var('response_window_hours') }} h
{%- endmacro %}

{#- S7: how long after a session's end a rating still belongs to it, in seconds (var rating_window_days, default 7). -#}
{% macro rating_window_seconds() -%}
    {{ positive_number_var('rating_window_days') * 86400 }}
{%- endmacro %}

{#- S6/S7: a rated session is satisfied at this many stars or more (var satisfied_min_stars, default 4). -#}
{% macro satisfied_min_stars() -%}
    {{ positive_number_var('satisfied_min_stars') }}
{%- endmacro %}

{#- S6: a custom period is at most this many days (the seller centre's limit). -#}
{% macro max_custom_period_days() -%}
    90
{%- endmacro %}

{#- A project variable that must be a positive number: a clear message, never a SQL error. -#}
{% macro positive_number_var(name) -%}
    {%- set value = var(name) -%}
    {%- set number = number_or_none(value) -%}
    {%- set number = -1 if number is none else number -%}
    {#- parsing goes on with a placeholder, so that validate_vars (on-run-start) can name
        every wrong variable at once, before any model -#}
    {%- if not execute and number <= 0 -%}{{ return(1) }}{%- endif -%}
    {%- if number <= 0 -%}
        {{ exceptions.raise_compiler_error("var " ~ name ~ " must be a positive number, got '" ~ value ~ "'") }}
    {%- endif -%}
    {{ return(number | int if number == number | int else number) }}
{%- endmacro %}
