{#-
  Checks the project variables before any model (on-run-start): a wrong value or an
  unknown --vars name (a typo that would leave the default in force) gives one clear
  message, not a SQL error deep in a model or an ignored setting; so do thresholds other
  than the warehouse's (changed_thresholds). The threshold macros check again where
  they are used, since unit tests do not run hooks.
-#}
{% macro validate_vars() %}
    {% if not execute %}{{ return('') }}{% endif %}
    {% set problems = unknown_var_problems() %}
    {% set has_unknown = problems | length > 0 %}
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
    {% if has_unknown %}
        {% do problems.append("the variables this project reads: " ~ known_var_names() | sort | join(', ')) %}
    {% endif %}
    {% if problems %}
        {{ exceptions.raise_compiler_error("invalid project variables (dbt_project.yml vars or --vars):\n  - " ~ problems | join("\n  - ")) }}
    {% endif %}
    {% set changed = changed_thresholds() %}
    {% if changed %}
        {{ exceptions.raise_compiler_error("the warehouse was built with other thresholds (" ~ changed | join(', ')
            ~ "), and an incremental run would mix figures of both. Rebuild it once with the new ones:\n  "
            ~ full_refresh_command()) }}
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

{#-
  A --vars name the project does not know is a typo that would otherwise be ignored
  silently (the default applies): one problem per such name, with the closest known name.
  Known: the vars of dbt_project.yml, and those read with var() by a node's own SQL (the
  analyses' shop, start, end).
-#}
{% macro unknown_var_problems() %}
    {% set given = cli_vars() %}
    {% set known = known_var_names() %}
    {% set problems = [] %}
    {% if known is none %}
        {% do log("validate_vars: this dbt version does not show the project's variables; --vars names are not checked", info=true) %}
        {{ return(problems) }}
    {% endif %}
    {% for name in given if name not in known %}
        {% set closest = closest_name(name, known) %}
        {% do problems.append("unknown variable '" ~ name ~ "'"
            ~ ("; did you mean " ~ closest ~ "?" if closest else "")) %}
    {% endfor %}
    {{ return(problems) }}
{% endmacro %}

{#- The --vars of this run, as a mapping (dbt gives them parsed, or as the YAML text). -#}
{% macro cli_vars() %}
    {% set given = invocation_args_dict.get('vars') or {} %}
    {% if given is string %}{% set given = fromyaml(given) or {} %}{% endif %}
    {{ return(given) }}
{% endmacro %}

{#- The variable names this project reads: dbt_project.yml's vars and var('...') in node SQL;
    none when this dbt does not show the project's vars. -#}
{% macro known_var_names() %}
    {% if var.packages_for_node is not defined %}{{ return(none) }}{% endif %}
    {% set names = [] %}
    {#- var.packages_for_node() is the project's configuration (the one public way to its
        declared vars from Jinja); its vars are keyed by name, or by project when scoped -#}
    {% for project in var.packages_for_node() %}
        {% for name, value in project.vars.vars.items() %}
            {% if name == project_name and value is mapping %}
                {% do names.extend(value.keys() | list) %}
            {% else %}
                {% do names.append(name) %}
            {% endif %}
        {% endfor %}
    {% endfor %}
    {% for node in graph.nodes.values() %}
        {% do names.extend(modules.re.findall("var\\(\\s*['\"](\\w+)['\"]", node.raw_code or '')) %}
    {% endfor %}
    {{ return(names | unique | list) }}
{% endmacro %}

{#- The known name closest to `name` (edit distance, case ignored) if it is near enough to be
    a typo of it (at most a third of its letters differ), else none. -#}
{% macro closest_name(name, candidates) %}
    {% set best = namespace(name=none, distance=none) %}
    {% for candidate in candidates | sort %}
        {% set distance = edit_distance(name | lower, candidate | lower) %}
        {% if best.distance is none or distance < best.distance %}
            {% set best.name = candidate %}
            {% set best.distance = distance %}
        {% endif %}
    {% endfor %}
    {% if best.distance is not none and best.distance <= [2, (name | length) // 3] | max %}
        {{ return(best.name) }}
    {% endif %}
    {{ return(none) }}
{% endmacro %}

{#- Levenshtein distance: the fewest inserted, deleted or replaced letters from a to b. -#}
{% macro edit_distance(a, b) %}
    {% set rows = namespace(previous=range(b | length + 1) | list) %}
    {% for i in range(1, a | length + 1) %}
        {% set current = [i] %}
        {% for j in range(1, b | length + 1) %}
            {% do current.append([rows.previous[j] + 1, current[j - 1] + 1,
                rows.previous[j - 1] + (0 if a[i - 1] == b[j - 1] else 1)] | min) %}
        {% endfor %}
        {% set rows.previous = current %}
    {% endfor %}
    {{ return(rows.previous[b | length]) }}
{% endmacro %}

{#-
  An incremental run keeps the figures of earlier runs, so a changed threshold would leave
  the marts mixing two settings. The previous build's thresholds are in rpt_settings: a run
  that builds or tests models with others, and is not a --full-refresh, stops before any
  model and says what to run. Returns the changes, e.g. "response_window_hours 24 -> 12".
-#}
{% macro changed_thresholds() %}
    {% if flags.FULL_REFRESH or flags.WHICH not in ['build', 'run', 'test', 'retry'] %}
        {{ return([]) }}
    {% endif %}
    {% set node = graph.nodes.get('model.' ~ project_name ~ '.rpt_settings') %}
    {% set relation = adapter.get_relation(node.database, node.schema, node.alias) if node else none %}
    {% if relation is none %}{{ return([]) }}{% endif %}
    {% set names = result_threshold_names() %}
    {% set built = run_query('select ' ~ names | join(', ') ~ ' from ' ~ relation) %}
    {% if built.rows | length != 1 %}{{ return([]) }}{% endif %}
    {% set changes = [] %}
    {% for name in names %}
        {% set before = built.rows[0][name] %}
        {% if before is not none and (before | float) != (var(name) | float) %}
            {% do changes.append(name ~ " " ~ "%g" | format(before | float) ~ " -> " ~ "%g" | format(var(name) | float)) %}
        {% endif %}
    {% endfor %}
    {{ return(changes) }}
{% endmacro %}

{#- The variables that change figures of the incremental models (the rest only change
    what a run rebuilds, or rpt_data_quality, which every run rebuilds). -#}
{% macro result_threshold_names() %}
    {{ return(['session_timeout_hours', 'response_window_hours', 'rating_window_days',
               'satisfied_min_stars', 'human_connect_target_seconds', 'smart_service_window_days']) }}
{% endmacro %}
