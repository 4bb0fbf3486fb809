{#-
  S10.1: every in-service interval [service_started_at, service_ended_at) in UTC of each
  shop with a clean calendar row, over the export's local days (a day before the first
  message to three days after the last). On a local date the weekly hours of the
  shop's greatest valid_from not after it apply (a row without valid_from: always), by
  local weekday; a holiday replaces the date's hours by the union of its rows' hours
  (none: closed); a shop with holidays but no weekly hours is in service all day on
  other dates. Wall-clock times become UTC on each date (local_to_utc: the later
  instant for a nonexistent or repeated time); 24:00 is the next local midnight; an
  interval that then ends at or before it starts is dropped.
-#}
with

shops as (
    select
        shop_id,
        timezone
    from {{ ref('stg_chat__shops') }}
),

weekly_hours as (
    select
        shop_id,
        weekday,
        opens_minute,
        closes_minute,
        coalesce(valid_from, {{ before_all_history_date() }}) as version_from
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

messages as (
    select sent_at
    from {{ ref('stg_chat__messages') }}
),

calendar_shops as (
    select shop_id from weekly_hours
    union
    select shop_id from holidays
),

weekly_hours_shops as (
    select distinct shop_id
    from weekly_hours
),

hours_versions as (
    select distinct
        shop_id,
        version_from
    from weekly_hours
),

holiday_dates as (
    select distinct
        shop_id,
        holiday_date
    from holidays
),

export_days as (
    {{ date_series(
        add_days('(select min(cast(messages.sent_at as date)) from messages)', -1),
        add_days('(select max(cast(messages.sent_at as date)) from messages)', 3)
    ) }}
),

shop_days as (
    select
        calendar_shops.shop_id,
        shops.timezone,
        export_days.date_day as local_date,
        {{ iso_weekday('export_days.date_day') }} as weekday
    from calendar_shops
    inner join shops on calendar_shops.shop_id = shops.shop_id
    cross join export_days
),

day_versions as (
    select
        shop_days.shop_id,
        shop_days.local_date,
        max(hours_versions.version_from) as version_from
    from shop_days
    inner join hours_versions
        on shop_days.shop_id = hours_versions.shop_id
            and shop_days.local_date >= hours_versions.version_from
    group by shop_days.shop_id, shop_days.local_date
),

working_days as (
    select
        shop_days.shop_id,
        shop_days.timezone,
        shop_days.local_date,
        shop_days.weekday,
        day_versions.version_from,
        weekly_hours_shops.shop_id is not null as has_weekly_hours
    from shop_days
    left join holiday_dates
        on shop_days.shop_id = holiday_dates.shop_id
            and shop_days.local_date = holiday_dates.holiday_date
    left join day_versions
        on shop_days.shop_id = day_versions.shop_id
            and shop_days.local_date = day_versions.local_date
    left join weekly_hours_shops on shop_days.shop_id = weekly_hours_shops.shop_id
    where holiday_dates.shop_id is null
),

weekly_intervals as (
    select
        working_days.shop_id,
        working_days.timezone,
        working_days.local_date,
        weekly_hours.opens_minute,
        weekly_hours.closes_minute
    from working_days
    inner join weekly_hours
        on working_days.shop_id = weekly_hours.shop_id
            and working_days.version_from = weekly_hours.version_from
            and working_days.weekday = weekly_hours.weekday
),

all_day_intervals as (
    select
        shop_id,
        timezone,
        local_date,
        0 as opens_minute,
        1440 as closes_minute
    from working_days
    where not has_weekly_hours
),

holiday_intervals as (
    select
        shop_days.shop_id,
        shop_days.timezone,
        shop_days.local_date,
        holidays.opens_minute,
        holidays.closes_minute
    from shop_days
    inner join holidays
        on shop_days.shop_id = holidays.shop_id
            and shop_days.local_date = holidays.holiday_date
    where holidays.opens_minute is not null
),

local_intervals as (
    select
        shop_id,
        timezone,
        local_date,
        opens_minute,
        closes_minute
    from weekly_intervals
    union all
    select
        shop_id,
        timezone,
        local_date,
        opens_minute,
        closes_minute
    from all_day_intervals
    union all
    select
        shop_id,
        timezone,
        local_date,
        opens_minute,
        closes_minute
    from holiday_intervals
),

utc_intervals as (
    select
        shop_id,
        local_date,
        {{ local_to_utc(add_seconds('cast(local_date as timestamp)', 'opens_minute * 60'), 'timezone') }}
            as service_started_at,
        {{ local_to_utc(add_seconds('cast(local_date as timestamp)', 'closes_minute * 60'), 'timezone') }}
            as service_ended_at
    from local_intervals
)

select
    shop_id,
    local_date,
    service_started_at,
    service_ended_at
from utc_intervals
where service_ended_at > service_started_at
