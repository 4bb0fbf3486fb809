{#- S2, S9: every distinct raw routing event, typed, with its quarantine reason. -#}
{{ delivery_incremental_config() }}
{%- set raw_columns = contract_columns('chat_session_events') + ['malformed_line'] -%}
{%- set required = contract_columns('chat_session_events', required_only=true) -%}
{#- the output columns, also those of the stored rows a run re-judges -#}
{%- set stored_columns = [
    'id_key',
    'event_id',
    'shop_id',
    'buyer_id',
    'buyer_key',
    'event_type',
    'agent_id',
    'occurred_at',
    'tie_rank',
    'is_close',
    'raw_rows',
    'collapsed_rows',
    'quarantine_reason',
    'quarantine_detail',
    'raw_record',
    'delivery_file',
    'is_first_delivery',
    'staged_at',
] -%}

with

source as (
    select {{ raw_columns | join(', ') }}, delivery_file
    from {{ source('chat', 'chat_session_events') }}
    where {{ is_unstaged_delivery('chat_session_events', 'event_id') }}
),

event_types as (
    select
        event_type,
        tie_rank,
        is_close,
        requires_agent
    from {{ ref('session_event_types') }}
),

shops as (
    select shop_id from {{ ref('base_chat__shops') }}
    where quarantine_reason is null
),

{{ collapse_delivered_copies('source', raw_columns, 'event_id', stored_columns) }},

typed as {{ materialized_cte() }} (
    select
        {{ clean_text('event_id') }} as event_id,
        {{ clean_text('shop_id') }} as shop_id,
        {{ clean_text('buyer_id') }} as buyer_id,
        {{ buyer_key(clean_text('buyer_id')) }} as buyer_key,
        {{ normalise_code('event_type') }} as event_type,
        {{ clean_text('agent_id') }} as agent_id,
        {{ clean_text('occurred_at') }} as occurred_at,
        {{ parse_iso_timestamp(clean_text('occurred_at')) }} as parsed_occurred_at,
        id_key,
        delivery_file,
        raw_record,
        is_first_delivery,
        raw_rows,
        id_versions,
        {{ raw_copies(raw_columns) }}
    from collapsed
),

classified as (
    select
        typed.*,
        event_types.tie_rank,
        event_types.is_close,
        event_types.requires_agent,
        event_types.event_type is not null as is_known_event_type
    from typed
    left join event_types on typed.event_type = event_types.event_type
),

checked as {{ materialized_cte() }} (
    select
        *,
        {{ first_failing_check([
            ['raw_malformed_line is not null', 'malformed_line'],
            [any_missing(required), 'missing_field'],
            ['id_versions > 1', 'conflicting_duplicate'],
            ['parsed_occurred_at is null', 'unparseable_timestamp'],
            ['parsed_occurred_at > ' ~ build_time(), 'future_timestamp'],
            ['not is_known_event_type', 'unknown_event_type'],
            ['requires_agent and agent_id is null', 'assigned_without_agent'],
            ['shop_id not in (select shop_id from shops)', 'unknown_shop'],
        ]) }} as quarantine_reason
    from classified
),

staged as (
    select
        id_key,
        event_id,
        shop_id,
        buyer_id,
        buyer_key,
        event_type,
        agent_id,
        parsed_occurred_at as occurred_at,
        tie_rank,
        is_close,
        raw_rows,
        raw_rows - case when is_first_delivery then 1 else 0 end as collapsed_rows,
        quarantine_reason,
        {{ quarantine_detail(
            required,
            timestamp_column='occurred_at',
            details=[[['unknown_event_type'], "event_type"]]
        ) }} as quarantine_detail,
        raw_record,
        delivery_file,
        is_first_delivery,
        {{ staged_at() }} as staged_at
    from checked
),

restaged as (
    select {{ stored_columns | join(', ') }}
    from staged
    {{ union_stored_rows_rejudged(stored_columns) }}
),

{{ keep_staged_at_of_unchanged_rows('restaged', stored_columns) }}

select {{ stored_columns | join(', ') }}
from rows_staged
{{ union_rows_kept_in_rewritten_partitions('source', 'event_id', stored_columns) }}
