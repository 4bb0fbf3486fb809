{#- S1, S9: every distinct raw message, typed, classified, with its quarantine reason. -#}
{{ delivery_incremental_config() }}
{%- set raw_columns = contract_columns('chat_messages') + ['malformed_line'] -%}
{%- set required = contract_columns('chat_messages', required_only=true) -%}
{#- the output columns, also those of the stored rows a run re-judges -#}
{%- set stored_columns = [
    'id_key',
    'message_id',
    'shop_id',
    'buyer_id',
    'buyer_key',
    'sender_role',
    'agent_id',
    'message_type',
    'message_kind',
    'sender_tie_rank',
    'is_buyer_message',
    'is_smart_answer',
    'is_manual_reply',
    'sent_at',
    'content',
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
    from {{ source('chat', 'chat_messages') }}
    where {{ is_unstaged_delivery('chat_messages', 'message_id') }}
),

message_kinds as (
    select
        sender_role,
        message_type,
        message_kind,
        sender_tie_rank,
        is_buyer_message,
        is_smart_answer,
        is_manual_reply
    from {{ ref('message_kinds') }}
),

known_roles as (
    select distinct sender_role from message_kinds
),

known_types as (
    select distinct message_type from message_kinds
),

shops as (
    select shop_id from {{ ref('base_chat__shops') }}
    where quarantine_reason is null
),

{{ collapse_delivered_copies('source', raw_columns, 'message_id', stored_columns) }},

typed as {{ materialized_cte() }} (
    select
        {{ clean_text('message_id') }} as message_id,
        {{ clean_text('shop_id') }} as shop_id,
        {{ clean_text('buyer_id') }} as buyer_id,
        {{ buyer_key(clean_text('buyer_id')) }} as buyer_key,
        {{ normalise_code('sender_role') }} as sender_role,
        {{ clean_text('agent_id') }} as agent_id,
        {{ normalise_code('message_type') }} as message_type,
        {{ clean_text('sent_at') }} as sent_at,
        {{ parse_iso_timestamp(clean_text('sent_at')) }} as parsed_sent_at,
        content,
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
        message_kinds.message_kind,
        message_kinds.sender_tie_rank,
        message_kinds.is_buyer_message,
        message_kinds.is_smart_answer,
        message_kinds.is_manual_reply,
        typed.sender_role in (select known_roles.sender_role from known_roles) as is_known_role,
        typed.message_type in (select known_types.message_type from known_types) as is_known_type,
        shops.shop_id is not null as is_known_shop
    from typed
    left join message_kinds
        on typed.sender_role = message_kinds.sender_role
            and typed.message_type = message_kinds.message_type
    left join shops on typed.shop_id = shops.shop_id
),

checked as {{ materialized_cte() }} (
    select
        *,
        {{ first_failing_check([
            ['raw_malformed_line is not null', 'malformed_line'],
            [any_missing(required), 'missing_field'],
            ['id_versions > 1', 'conflicting_duplicate'],
            ['parsed_sent_at is null', 'unparseable_timestamp'],
            ['parsed_sent_at > ' ~ build_time(), 'future_timestamp'],
            ['not is_known_role', 'unknown_sender_role'],
            ['not is_known_type', 'unknown_message_type'],
            ['message_kind is null', 'invalid_combination'],
            ['is_manual_reply and agent_id is null', 'agent_message_without_agent'],
            ['not is_known_shop', 'unknown_shop'],
        ]) }} as quarantine_reason
    from classified
),

staged as (
    select
        id_key,
        message_id,
        shop_id,
        buyer_id,
        buyer_key,
        sender_role,
        agent_id,
        message_type,
        message_kind,
        sender_tie_rank,
        is_buyer_message,
        is_smart_answer,
        is_manual_reply,
        parsed_sent_at as sent_at,
        content,
        raw_rows,
        raw_rows - case when is_first_delivery then 1 else 0 end as collapsed_rows,
        quarantine_reason,
        {{ quarantine_detail(
            required,
            timestamp_column='sent_at',
            details=[[['unknown_sender_role', 'unknown_message_type', 'invalid_combination'], "sender_role || '/' || message_type"]]
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
{{ union_rows_kept_in_rewritten_partitions('source', 'message_id', stored_columns) }}
