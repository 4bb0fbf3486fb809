{#-
  Every row-level engine macro (macros/engine, macros/rules/periods.sql) applied to the
  cases of seed engine_function_cases. Nothing reads this view: it exists so that the
  unit tests beside it pin each dispatched macro to the same answers on every engine.
-#}
with

cases as (
    select
        case_id,
        text_value,
        start_text,
        end_text,
        seconds,
        time_zone,
        day_text,
        fragment
    from {{ ref('engine_function_cases') }}
),

time_zones as (
    select name from {{ timezone_names() }}
),

parsed as (
    select
        case_id,
        text_value,
        seconds,
        time_zone,
        fragment,
        day_text,
        cast(day_text as date) as case_date,
        {{ parse_iso_timestamp('text_value') }} as parsed_at,
        {{ parse_iso_timestamp('start_text') }} as start_at,
        {{ parse_iso_timestamp('end_text') }} as end_at
    from cases
)

select
    case_id,
    parsed_at,
    {{ is_integer_text('text_value') }} as is_integer_text,
    {{ seconds_between('start_at', 'end_at') }} as seconds_between,
    {{ add_seconds('start_at', 'seconds') }} as shifted_at,
    {{ local_date('start_at', 'time_zone') }} as local_date,
    {{ local_hour('start_at', 'time_zone') }} as local_hour,
    time_zone in (select time_zones.name from time_zones) as is_known_time_zone,
    {{ iso_weekday('case_date') }} as iso_weekday,
    {{ start_of('week', 'case_date') }} as week_start_date,
    {{ start_of('month', 'case_date') }} as month_start_date,
    {{ add_days('case_date', 1) }} as next_date,
    {{ is_iso_date_text('day_text') }} as is_iso_date_text,
    {{ hash_text('text_value') }} as text_hash,
    {{ contains_text('text_value', 'fragment') }} as has_fragment,
    {{ raw_record_json(['text_value', 'fragment']) }} as raw_record
from parsed
