{#- The S9 checks every base staging model shares, so each raw table is checked the same way. -#}

{#- Three CTEs, the last `collapsed`: one row per distinct raw row, with raw_rows (the raw
    rows it stands for) and id_versions (the distinct rows sharing its id; more than one
    is a conflict). Versions are counted only for the ids with more than one row (rare)
    and joined back: a window count over the id would read the raw table twice. -#}
{% macro collapse_exact_duplicates(relation, columns, id_column) -%}
{#- id_column none: a table without ids (S10's calendar), whose rows cannot conflict -#}
distinct_rows as (
    select
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        count(*) as raw_rows
    from {{ relation }}
    group by {{ columns | join(', ') }}
),
{%- if id_column is none %}

collapsed as (
    select
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        raw_rows,
        1 as id_versions
    from distinct_rows
)
{%- else %}

repeated_ids as (
    select
        {{ id_key(clean_text(id_column)) }} as repeated_id_key,
        count(*) as id_versions
    from distinct_rows
    group by {{ id_key(clean_text(id_column)) }}
    having count(*) > 1
),

collapsed as (
    select
        {%- for column in columns %}
        distinct_rows.{{ column }},
        {%- endfor %}
        distinct_rows.raw_rows,
        coalesce(repeated_ids.id_versions, 1) as id_versions
    from distinct_rows
    left join repeated_ids
        on {{ id_key(clean_text('distinct_rows.' ~ id_column)) }} = repeated_ids.repeated_id_key
)
{%- endif %}
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

{#- The columns of a raw table as the contract lists them (var raw_contract in
    dbt_project.yml, the one list). -#}
{% macro contract_columns(table, required_only=false) -%}
    {%- set contract = var('raw_contract') -%}
    {%- if table not in contract -%}
        {{ exceptions.raise_compiler_error("contract_columns: '" ~ table ~ "' is not a table of var raw_contract") }}
    {%- endif -%}
    {{ return(contract[table]['required' if required_only else 'columns']) }}
{%- endmacro %}

{#-
  The quarantine_detail of a checked row: the missing field names (built only for
  rows missing one, from `required`), the rejected
  timestamp text, the number of conflicting versions, or the table's own `details`
  ([reason codes, expression] pairs). Null for clean rows.
-#}
{% macro quarantine_detail(required, timestamp_column=none, details=[]) -%}
    case
        when quarantine_reason = 'malformed_line' then raw_malformed_line
        when quarantine_reason = 'missing_field' then {{ missing_fields_detail(required) }}
        when quarantine_reason = 'conflicting_duplicate' then cast(id_versions as {{ dbt.type_string() }}) || ' versions'
        {%- if timestamp_column %}
        when quarantine_reason in ('unparseable_timestamp', 'future_timestamp') then {{ timestamp_column }}
        {%- endif %}
        {%- for detail in details %}
        when quarantine_reason in ('{{ detail[0] | join("', '") }}') then {{ detail[1] }}
        {%- endfor %}
        when quarantine_reason = 'unknown_shop' then shop_id
    end
{%- endmacro %}

{#- Each raw table's checked base model, id column (the calendar tables of S10 have no
    id: their shop's) and timestamp column (null for the reference tables and the calendar), and whether it is staged by delivery (its rows carry
    is_first_delivery and staged_at): the one list stg_chat__quarantine and
    rpt_data_quality read. -#}
{% macro checked_tables() -%}
    {{ return([
        {'table': 'shops', 'model': 'base_chat__shops', 'id': 'shop_id', 'at': 'cast(null as timestamp)'},
        {'table': 'agents', 'model': 'base_chat__agents', 'id': 'agent_id', 'at': 'cast(null as timestamp)'},
        {'table': 'chat_messages', 'model': 'base_chat__messages', 'delivered': true, 'id': 'message_id', 'at': 'sent_at'},
        {'table': 'chat_session_events', 'model': 'base_chat__session_events', 'delivered': true, 'id': 'event_id', 'at': 'occurred_at'},
        {'table': 'session_ratings', 'model': 'base_chat__ratings', 'delivered': true, 'id': 'rating_id', 'at': 'rated_at'},
        {'table': 'shop_vacation_events', 'model': 'base_chat__vacation_events', 'id': 'event_id', 'at': 'occurred_at'},
        {'table': 'shop_service_hours', 'model': 'base_chat__shop_service_hours', 'id': 'shop_id', 'at': 'cast(null as timestamp)'},
        {'table': 'shop_holidays', 'model': 'base_chat__shop_holidays', 'id': 'shop_id', 'at': 'cast(null as timestamp)'},
    ]) }}
{%- endmacro %}

{#- The raw values carried along as raw_<column>, so that raw_record (JSON) is built
    only for rejected rows, not for every row. -#}
{% macro raw_copies(columns) -%}
    {%- for column in columns %}
    {{ column }} as raw_{{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{% macro quarantined_raw_record(columns) -%}
    case when quarantine_reason is not null then {{ raw_record_json(columns, 'raw_') }} end
{%- endmacro %}
