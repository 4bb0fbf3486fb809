-- S2.4, S9: every clean message and event outside a session is counted in
-- rpt_data_quality, and never more than the day's clean rows.
with

outside as (
    select count(*) as row_count
    from {{ ref('int_sessions__sessionized') }}
    where not is_in_session
),

reported as (
    select coalesce(sum(outside_session_rows), 0) as row_count
    from {{ ref('rpt_data_quality') }}
)

select
    outside.row_count as outside_rows,
    reported.row_count as reported_rows
from outside
cross join reported
where outside.row_count <> reported.row_count
    or exists (
        select 1 from {{ ref('rpt_data_quality') }} as quality
        where quality.outside_session_rows > quality.clean_rows
    )
