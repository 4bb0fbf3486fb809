{#-
  The aggregate engine macros (arg_max, arg_min, percentile_cont) per group of seed
  engine_function_cases, and the date spine (date_series) over each group's days. Only
  the unit tests beside it read it: they pin each macro to one answer on every engine.
-#}
with

cases as (
    select
        group_id,
        order_no,
        text_value,
        seconds,
        cast(day_text as date) as case_date
    from {{ ref('engine_function_cases') }}
),

days as (
    {{ date_series('(select min(cases.case_date) from cases)', '(select max(cases.case_date) from cases)') }}
),

grouped as (
    select
        group_id,
        {{ arg_max('text_value', 'order_no') }} as last_text_value,
        {{ arg_min('text_value', 'order_no', where='seconds > 0') }} as first_text_value_with_seconds,
        {{ percentile_cont(0.5, 'seconds') }} as median_seconds,
        min(case_date) as first_date,
        max(case_date) as last_date
    from cases
    group by group_id
),

spanned as (
    select
        grouped.group_id,
        count(*) as series_days
    from grouped
    inner join days on days.date_day between grouped.first_date and grouped.last_date
    group by grouped.group_id
)

select
    grouped.group_id,
    grouped.last_text_value,
    grouped.first_text_value_with_seconds,
    grouped.median_seconds,
    spanned.series_days
from grouped
inner join spanned on grouped.group_id = spanned.group_id
