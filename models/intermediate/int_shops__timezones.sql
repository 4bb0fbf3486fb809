{#-
  Each clean shop's time zone and a fingerprint of its service calendar, and since when
  the warehouse has them (D65, D80): the start of the run that first built the shop with
  this zone and this calendar. A table rebuilt every run from the shops and calendar
  snapshots; it reads its own previous rows (not on full refreshes or Spark, whose models
  are rebuilt whole, nor from a table of an earlier version without the fingerprint) to
  keep that time while both stay the same. The session models recompute every pair of a
  shop whose staged_at is newer than their own last build, and fct_sessions then has the
  daily marts rebuild that shop whole.
-#}
{%- set previous = load_relation(this) if execute and target.type != 'spark' and not flags.FULL_REFRESH else none %}
{%- set previous_columns = [] if previous is none else
    adapter.get_columns_in_relation(previous) | map(attribute='name') | map('lower') | list %}
{%- if 'calendar_fingerprint' not in previous_columns %}
    {%- set previous = none %}
{%- endif %}
with

shops as (
    select
        shop_id,
        timezone
    from {{ ref('stg_chat__shops') }}
),

service_hours as (
    select
        shop_id,
        weekday,
        opens_minute,
        closes_minute,
        valid_from
    from {{ ref('stg_chat__shop_service_hours') }}
),

holidays as (
    select
        shop_id,
        holiday_date,
        opens_minute,
        closes_minute
    from {{ ref('stg_chat__shop_holidays') }}
),

-- each clean calendar row as one text; a holiday's nulls (closed all day) as ''
calendar_rows as (
    select
        shop_id,
        {{ dbt.concat([
            "'hours '", "cast(weekday as " ~ dbt.type_string() ~ ")",
            "' '", "cast(opens_minute as " ~ dbt.type_string() ~ ")",
            "' '", "cast(closes_minute as " ~ dbt.type_string() ~ ")",
            "' '", "coalesce(cast(valid_from as " ~ dbt.type_string() ~ "), '')"
        ]) }} as calendar_row
    from service_hours
    union all
    select
        shop_id,
        {{ dbt.concat([
            "'holiday '", "cast(holiday_date as " ~ dbt.type_string() ~ ")",
            "' '", "coalesce(cast(opens_minute as " ~ dbt.type_string() ~ "), '')",
            "' '", "coalesce(cast(closes_minute as " ~ dbt.type_string() ~ "), '')"
        ]) }} as calendar_row
    from holidays
),

calendars as (
    select
        shop_id,
        {{ hash_text(sorted_text_list('calendar_row', "'|'")) }} as calendar_fingerprint
    from calendar_rows
    group by shop_id
),

-- S10: a shop has a service calendar when it has a clean row in either calendar table;
-- one without has the fingerprint '' (every hour in service)
shop_calendars as (
    select
        shops.shop_id,
        shops.timezone,
        coalesce(calendars.calendar_fingerprint, '') as calendar_fingerprint,
        calendars.shop_id is not null as has_service_calendar
    from shops
    left join calendars
        on shops.shop_id = calendars.shop_id
),

previous_zones as (
    {%- if previous is not none %}
        select
            shop_id,
            timezone,
            calendar_fingerprint,
            staged_at
        from {{ previous }}
    {%- else %}
        select
            cast(null as {{ dbt.type_string() }}) as shop_id,
            cast(null as {{ dbt.type_string() }}) as timezone,
            cast(null as {{ dbt.type_string() }}) as calendar_fingerprint,
            cast(null as timestamp) as staged_at
        where false
    {%- endif %}
),

zones as (
    select
        shop_calendars.shop_id,
        shop_calendars.timezone,
        shop_calendars.calendar_fingerprint,
        shop_calendars.has_service_calendar,
        coalesce(previous_zones.staged_at, {{ staged_at() }}) as staged_at
    from shop_calendars
    left join previous_zones
        on
            shop_calendars.shop_id = previous_zones.shop_id
            and shop_calendars.timezone = previous_zones.timezone
            and shop_calendars.calendar_fingerprint = previous_zones.calendar_fingerprint
)

select
    shop_id,
    timezone,
    calendar_fingerprint,
    has_service_calendar,
    staged_at
from zones
