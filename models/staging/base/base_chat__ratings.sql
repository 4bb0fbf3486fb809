{#- S7, S9: every distinct raw rating, typed, with its quarantine reason. -#}
{{ delivery_incremental_config() }}
{%- set raw_columns = contract_columns('session_ratings') + ['malformed_line'] -%}
{%- set required = contract_columns('session_ratings', required_only=true) -%}
{#- the output columns, also those of the stored rows a run re-judges -#}
{%- set stored_columns = [
    'id_key',
    'rating_id',
    'shop_id',
    'buyer_id',
    'buyer_key',
    'stars',
    'rated_at',
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
    from {{ source('chat', 'session_ratings') }}
    where {{ is_unstaged_delivery('session_ratings', 'rating_id') }}
),

shops as (
    select shop_id from {{ ref('base_chat__shops') }}
    where quarantine_reason is null
),

{{ collapse_delivered_copies('source', raw_columns, 'rating_id', stored_columns) }},

typed as {{ materialized_cte() }} (
    select
        {{ clean_text('rating_id') }} as rating_id,
        {{ clean_text('shop_id') }} as shop_id,
        {{ clean_text('buyer_id') }} as buyer_id,
        {{ buyer_key(clean_text('buyer_id')) }} as buyer_key,
        {{ clean_text('stars') }} as stars,
        {{ clean_text('rated_at') }} as rated_at,
        {{ parse_iso_timestamp(clean_text('rated_at')) }} as parsed_rated_at,
        id_key,
        delivery_file,
        raw_record,
        is_first_delivery,
        raw_rows,
        id_versions,
        {{ raw_copies(raw_columns) }}
    from collapsed
),

checked as {{ materialized_cte() }} (
    select
        typed.*,
        case when {{ is_integer_text('stars') }} then cast(typed.stars as integer) end as parsed_stars,
        {{ first_failing_check([
            ['raw_malformed_line is not null', 'malformed_line'],
            [any_missing(required), 'missing_field'],
            ['id_versions > 1', 'conflicting_duplicate'],
            ['parsed_rated_at is null', 'unparseable_timestamp'],
            ['parsed_rated_at > ' ~ build_time(), 'future_timestamp'],
            ['not ' ~ is_integer_text('stars'), 'stars_not_a_number'],
            ['cast(stars as integer) not between 1 and 5', 'rating_out_of_range'],
            ['shop_id not in (select shop_id from shops)', 'unknown_shop'],
        ]) }} as quarantine_reason
    from typed
),

staged as (
    select
        id_key,
        rating_id,
        shop_id,
        buyer_id,
        buyer_key,
        parsed_stars as stars,
        parsed_rated_at as rated_at,
        raw_rows,
        raw_rows - case when is_first_delivery then 1 else 0 end as collapsed_rows,
        quarantine_reason,
        {{ quarantine_detail(
            required,
            timestamp_column='rated_at',
            details=[[['stars_not_a_number', 'rating_out_of_range'], "stars"]]
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
{{ union_rows_kept_in_rewritten_partitions('source', 'rating_id', stored_columns) }}
