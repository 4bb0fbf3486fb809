{#-
  S3: vacation periods [vacation_on, vacation_off) per shop. The state after each
  switch is its type; a switch that repeats the current state (on while on, off while
  off) changes nothing. A period with no later vacation_off is open-ended.
-#}
with

vacation_events as (
    select
        shop_id,
        event_id,
        occurred_at,
        is_vacation_on
    from {{ ref('stg_chat__vacation_events') }}
),

with_previous as (
    select
        *,
        lag(is_vacation_on) over (partition by shop_id order by occurred_at, event_id) as previous_is_vacation_on
    from vacation_events
),

changes as (
    select
        shop_id,
        event_id,
        occurred_at,
        is_vacation_on
    from with_previous
    where is_vacation_on <> coalesce(previous_is_vacation_on, false)
),

periods as (
    select
        shop_id,
        is_vacation_on,
        occurred_at as vacation_started_at,
        lead(occurred_at) over (partition by shop_id order by occurred_at, event_id) as vacation_ended_at
    from changes
)

select
    shop_id,
    vacation_started_at,
    vacation_ended_at
from periods
where is_vacation_on
