-- S7, S9: every clean rating is either matched to a session or rejected with a reason,
-- and each session counts at most one rating.
select
    rating_id,
    session_id,
    rejection_reason
from {{ ref('int_ratings__matched') }}
where (session_id is null) <> (rejection_reason is not null)
union all
select
    null as rating_id,
    session_id,
    'more than one counted rating' as rejection_reason
from {{ ref('int_ratings__matched') }}
where is_counted
group by session_id
having count(*) > 1
