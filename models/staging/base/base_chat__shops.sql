{#- S9: every distinct raw shop, typed, with its quarantine reason. -#}
{%- set raw_columns = contract_columns('shops') + ['malformed_line'] -%}
{%- set required = contract_columns('shops', required_only=true) -%}

with

source as (
    select {{ raw_columns | join(', ') }}
    from {{ source('chat', 'shops') }}
),

timezones as (
    select name from {{ timezone_names() }}
),

{{ collapse_exact_duplicates('source', raw_columns, 'shop_id') }},

typed as {{ materialized_cte() }} (
    select
        {{ clean_text('shop_id') }} as shop_id,
        {{ clean_text('shop_name') }} as shop_name,
        upper({{ clean_text('region') }}) as region,
        {{ clean_text('timezone') }} as timezone,
        raw_rows,
        id_versions,
        {{ raw_copies(raw_columns) }}
    from collapsed
),

checked as {{ materialized_cte() }} (
    select
        typed.*,
        {{ first_failing_check([
            ['raw_malformed_line is not null', 'malformed_line'],
            [any_missing(required), 'missing_field'],
            ['id_versions > 1', 'conflicting_duplicate'],
            ['timezone not in (select name from timezones)', 'unknown_timezone'],
        ]) }} as quarantine_reason
    from typed
)

select
    shop_id,
    shop_name,
    region,
    timezone,
    raw_rows,
    raw_rows - 1 as collapsed_rows,
    quarantine_reason,
    {{ quarantine_detail(
        required,
        details=[[['unknown_timezone'], "timezone"]]
    ) }} as quarantine_detail,
    {{ quarantined_raw_record(raw_columns) }} as raw_record
from checked
