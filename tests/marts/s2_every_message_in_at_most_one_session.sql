-- S2, S9: every clean message and event is in the timeline once; messages outside any
-- session are kept (is_in_session = false), never dropped.
with

clean as (
    select count(*) as row_count from {{ ref('stg_chat__messages') }}
    union all
    select count(*) as row_count from {{ ref('stg_chat__session_events') }}
),

timeline as (
    select
        count(*) as row_count,
        count(distinct row_type || ':' || row_id) as distinct_rows
    from {{ ref('int_sessions__sessionized') }}
)

select
    timeline.row_count,
    timeline.distinct_rows,
    (select sum(clean.row_count) from clean) as clean_rows
from timeline
where timeline.row_count <> (select sum(clean.row_count) from clean)
    or timeline.distinct_rows <> timeline.row_count
