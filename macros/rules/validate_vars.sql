{#-
  Checks the project variables at the start of every run (on-run-start), before any
  model, so a wrong value gives one clear message instead of a SQL error deep in a model.
  The threshold macros check again where they are used (unit tests do not run hooks).
-#}
{% macro validate_vars() %}
    {% if not execute %}{{ return('') }}{% endif %}
    {% set problems = [] %}
    {% for name in ['session_timeout_hours', 'response_window_hours', 'rating_window_days',
                     'human_connect_target_seconds', 'smart_service_window_days'] %}
        {% set number = number_or_none(var(name)) %}
        {% if number is none or number <= 0 %}
            {% do problems.append(name ~ " must be a positive number, got '" ~ var(name) ~ "'") %}
        {% endif %}
    {% endfor %}
    {% set lookback = number_or_none(var('incremental_lookback_hours')) %}
    {% set longest_wait = [number_or_none(var('session_timeout_hours')) or 0, number_or_none(var('response_window_hours')) or 0] | max %}
    {% if lookback is none or lookback < longest_wait %}
        {% do problems.append("incremental_lookback_hours must be a number of hours at least session_timeout_hours and response_window_hours (" ~ longest_wait ~ "), got '" ~ var('incremental_lookback_hours') ~ "'") %}
    {% endif %}
    {% set stars = number_or_none(var('satisfied_min_stars')) %}
    {% if stars is none or stars != stars | int or stars < 1 or stars > 5 %}
        {% do problems.append("satisfied_min_stars must be a whole number of stars from 1 to 5, got '" ~ var('satisfied_min_stars') ~ "'") %}
    {% endif %}
    {% set share = number_or_none(var('max_quarantined_share')) %}
    {% if share is none or share <= 0 or share > 1 %}
        {% do problems.append("max_quarantined_share must be a share above 0 and at most 1 (0.05 is 5%), got '" ~ var('max_quarantined_share') ~ "'") %}
    {% endif %}
    {% if var('validate_raw_csv', true) not in [true, false] %}
        {% do problems.append("validate_raw_csv must be true or false, got '" ~ var('validate_raw_csv') ~ "'") %}
    {% endif %}
    {% set fixed_time = var('build_time', '') | string %}
    {% if fixed_time and not modules.re.fullmatch('\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?', fixed_time) %}
        {% do problems.append("build_time must be empty (the run's start) or a UTC time like '2026-11-01 00:00:00', got '" ~ fixed_time ~ "'") %}
    {% endif %}
    {% if var('raw_data_dir', none) is none or var('raw_data_dir') | string | trim == '' %}
        {% do problems.append("raw_data_dir is empty: set it to the folder of your export, e.g. --vars '{raw_data_dir: /path/to/export}'") %}
    {% endif %}
    {% if problems %}
        {{ exceptions.raise_compiler_error("invalid project variables (dbt_project.yml vars or --vars):\n  - " ~ problems | join("\n  - ")) }}
    {% endif %}
    {{ return('') }}
{% endmacro %}

{#- A var's value as a number, or none when it is not one (booleans are not numbers). -#}
{% macro number_or_none(value) %}
    {% if value is none or value is boolean or (value is string and value | trim == '') %}
        {{ return(none) }}
    {% endif %}
    {% set number = value | float(default=none) %}
    {{ return(number) }}
{% endmacro %}
