{#- S9: every distinct raw agent, typed, with its quarantine reason. -#}
{%- set raw_columns = contract_columns('agents') + ['malformed_line'] -%}
{%- set required = contract_columns('agents', required_only=true) -%}

with

source as (
    select {{ raw_columns | join(', ') }}
    from {{ source('chat', 'agents') }}
),

agent_roles as (
    select role from {{ ref('agent_roles') }}
),

shops as (
    select shop_id from {{ ref('base_chat__shops') }}
    where quarantine_reason is null
),

{{ collapse_exact_duplicates('source', raw_columns, 'agent_id') }},

typed as {{ materialized_cte() }} (
    select
        {{ clean_text('agent_id') }} as agent_id,
        {{ clean_text('shop_id') }} as shop_id,
        {{ clean_text('agent_name') }} as agent_name,
        {{ normalise_code('role') }} as role,
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
            ['role not in (select role from agent_roles)', 'unknown_agent_role'],
            ['shop_id not in (select shop_id from shops)', 'unknown_shop'],
        ]) }} as quarantine_reason
    from typed
)

select
    agent_id,
    shop_id,
    agent_name,
    role,
    raw_rows,
    raw_rows - 1 as collapsed_rows,
    quarantine_reason,
    {{ quarantine_detail(
        required,
        details=[[['unknown_agent_role'], "role"]]
    ) }} as quarantine_detail,
    {{ quarantined_raw_record(raw_columns) }} as raw_record
from checked
