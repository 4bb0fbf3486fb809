{#- S7, S9: every distinct raw rating, typed, with its quarantine reason. -#}
{{ raw_incremental_config() }}
{%- set raw_columns = contract_columns('session_ratings') + ['malformed_line'] -%}
{%- set required = contract_columns('session_ratings', required_only=true) -%}

with

source as (
    select {{ raw_columns | join(', ') }}
    from {{ source('chat', 'session_ratings') }}
    where {{ is_recent_raw_id(source('chat', 'session_ratings'), 'rating_id', 'rated_at') }}
),

shops as (
    select shop_id from {{ ref('base_chat__shops') }}
    where quarantine_reason is null
),

{{ collapse_exact_duplicates('source', raw_columns, 'rating_id') }},

typed as {{ materialized_cte() }} (
    select
        {{ clean_text('rating_id') }} as rating_id,
        {{ clean_text('shop_id') }} as shop_id,
        {{ clean_text('buyer_id') }} as buyer_id,
        {{ buyer_key(clean_text('buyer_id')) }} as buyer_key,
        {{ clean_text('stars') }} as stars,
        {{ clean_text('rated_at') }} as rated_at,
        {{ parse_iso_timestamp(clean_text('rated_at')) }} as parsed_rated_at,
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
)

select
    {{ id_key('rating_id') }} as id_key,
    rating_id,
    shop_id,
    buyer_id,
    buyer_key,
    parsed_stars as stars,
    parsed_rated_at as rated_at,
    raw_rows,
    raw_rows - 1 as collapsed_rows,
    quarantine_reason,
    {{ quarantine_detail(
        required,
        timestamp_column='rated_at',
        details=[[['stars_not_a_number', 'rating_out_of_range'], "stars"]]
    ) }} as quarantine_detail,
    {{ quarantined_raw_record(raw_columns) }} as raw_record
from checked
