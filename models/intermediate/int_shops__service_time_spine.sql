{#-
  S10.2: a per-shop cumulative service-seconds spine, so that the service seconds between
  two instants are two lookups rather than a join with every interval. One row per shop
  with a calendar, UTC date of the export and part of an in-service interval within that
  UTC date (one row with no part for a date without service), with the shop's service
  seconds on earlier UTC dates of the spine. The service seconds of a shop before an
  instant t, counted from the spine's first date, are seconds_before_utc_date of t's UTC
  date plus the parts of that date's rows before t (int_sessions__outcomes); those of
  [a, b) are the difference of the two.
-#}
with

intervals as (
    select
        shop_id,
        service_started_at,
        service_ended_at
    from {{ ref('int_shops__service_intervals') }}
),

calendar_shops as (
    select shop_id
    from {{ ref('int_shops__timezones') }}
    where has_service_calendar
),

messages as (
    select sent_at
    from {{ ref('stg_chat__messages') }}
),

utc_days as (
    {{ date_series(
        '(select min(cast(messages.sent_at as date)) from messages)',
        '(select max(cast(messages.sent_at as date)) from messages)'
    ) }}
),

day_offsets as (
    select 0 as day_offset
    union all
    select 1 as day_offset
    union all
    select 2 as day_offset
),

interval_parts as (
    select
        intervals.shop_id,
        {{ add_days('cast(intervals.service_started_at as date)', 'day_offsets.day_offset') }} as utc_date,
        intervals.service_started_at,
        intervals.service_ended_at
    from intervals
    cross join day_offsets
),

clipped_parts as (
    select
        shop_id,
        utc_date,
        greatest(service_started_at, cast(utc_date as timestamp)) as part_started_at,
        least(service_ended_at, cast({{ add_days('utc_date', 1) }} as timestamp)) as part_ended_at
    from interval_parts
),

shop_utc_days as (
    select
        calendar_shops.shop_id,
        utc_days.date_day as utc_date
    from calendar_shops
    cross join utc_days
),

day_parts as (
    select
        shop_utc_days.shop_id,
        shop_utc_days.utc_date,
        clipped_parts.part_started_at,
        clipped_parts.part_ended_at,
        coalesce({{ seconds_between('clipped_parts.part_started_at', 'clipped_parts.part_ended_at') }}, 0)
            as part_seconds
    from shop_utc_days
    left join clipped_parts
        on shop_utc_days.shop_id = clipped_parts.shop_id
            and shop_utc_days.utc_date = clipped_parts.utc_date
            and clipped_parts.part_ended_at > clipped_parts.part_started_at
),

day_totals as (
    select
        shop_id,
        utc_date,
        sum(part_seconds) as day_seconds
    from day_parts
    group by shop_id, utc_date
),

cumulated_days as (
    select
        shop_id,
        utc_date,
        sum(day_seconds) over (
            partition by shop_id order by utc_date rows between unbounded preceding and current row
        ) - day_seconds as seconds_before_utc_date
    from day_totals
)

select
    day_parts.shop_id,
    day_parts.utc_date,
    cast(cumulated_days.seconds_before_utc_date as bigint) as seconds_before_utc_date,
    day_parts.part_started_at,
    day_parts.part_ended_at
from day_parts
inner join cumulated_days
    on day_parts.shop_id = cumulated_days.shop_id
        and day_parts.utc_date = cumulated_days.utc_date
