{#- S10.4, S9: every distinct raw holiday row, typed, with its quarantine reason; the
    table is optional (no rows when the export has none). -#}
{%- set raw_columns = contract_columns('shop_holidays') + ['malformed_line'] -%}
{%- set required = contract_columns('shop_holidays', required_only=true) -%}

with

source as (
    select {{ raw_columns | join(', ') }}
    from {{ source('chat', 'shop_holidays') }}
),

shops as (
    select shop_id from {{ ref('base_chat__shops') }}
    where quarantine_reason is null
),

{{ collapse_exact_duplicates('source', raw_columns, none) }},

typed as {{ materialized_cte() }} (
    select
        {{ clean_text('shop_id') }} as shop_id,
        {{ clean_text('holiday_date') }} as holiday_date,
        {{ clean_text('opens_at') }} as opens_at,
        {{ clean_text('closes_at') }} as closes_at,
        raw_rows,
        id_versions,
        {{ raw_copies(raw_columns) }}
    from collapsed
),

parsed as (
    select
        *,
        {{ parse_iso_date('holiday_date') }} as parsed_holiday_date,
        {{ clock_minutes('opens_at') }} as opens_minute,
        {{ clock_minutes('closes_at') }} as closes_minute,
        opens_at is not null or closes_at is not null as has_hours
    from typed
),

checked_but_overlap as (
    select
        *,
        {{ first_failing_check([
            ['raw_malformed_line is not null', 'malformed_line'],
            [any_missing(required), 'missing_field'],
            ['shop_id not in (select shop_id from shops)', 'unknown_shop'],
            ['has_hours and (opens_minute is null or closes_minute is null or opens_minute = ' ~ end_of_day_minute() ~ ')', 'invalid_time'],
            ['parsed_holiday_date is null', 'unparseable_date'],
            ['has_hours and closes_minute <= opens_minute', 'closes_before_opens'],
        ]) }} as reason_but_overlap
    from parsed
),

-- S10.4: among the otherwise clean rows (a null reason so far; rows without hours never
-- overlap) of one shop and date, ordered by opening, special hours overlap when an earlier
-- interval closes after this one opens or a later one opens before it closes (touching is fine)
neighbours as (
    select
        *,
        max(closes_minute) over (
            partition by shop_id, parsed_holiday_date, reason_but_overlap
            order by opens_minute, closes_minute
            rows between unbounded preceding and 1 preceding
        ) as earlier_closes_minute,
        min(opens_minute) over (
            partition by shop_id, parsed_holiday_date, reason_but_overlap
            order by opens_minute, closes_minute
            rows between 1 following and unbounded following
        ) as later_opens_minute
    from checked_but_overlap
),

checked as (
    select
        *,
        case
            when reason_but_overlap is not null then reason_but_overlap
            when earlier_closes_minute > opens_minute or later_opens_minute < closes_minute then 'overlapping_interval'
        end as quarantine_reason
    from neighbours
)

select
    shop_id,
    parsed_holiday_date as holiday_date,
    opens_at,
    closes_at,
    opens_minute,
    closes_minute,
    raw_rows,
    raw_rows - 1 as collapsed_rows,
    quarantine_reason,
    {{ quarantine_detail(
        required,
        details=[
            [['invalid_time', 'closes_before_opens', 'overlapping_interval'], "coalesce(raw_opens_at, '') || '-' || coalesce(raw_closes_at, '')"],
            [['unparseable_date'], "raw_holiday_date"],
        ]
    ) }} as quarantine_detail,
    {{ quarantined_raw_record(raw_columns) }} as raw_record
from checked
