{#- The day spine MetricFlow joins to (issue 9): one row per day, 2020 to 2035. -#}
with

days as (
    {{ date_series("'2020-01-01'", "'2035-12-31'") }}
)

select date_day
from days
