{#-
  S7: each clean rating matched to the latest session of its pair that started at or
  before rated_at, if rated_at is at most rating_window_days after that session's end
  (an open session has no end yet: its last message stands in). Several ratings of one
  session: the latest counts (is_counted). A rating with no such session is rejected
  with reason rating_without_session and kept here, not dropped (S9).
-#}
{{ pair_incremental_config() }}
-- depends_on: {{ ref('base_chat__messages') }}, {{ ref('base_chat__session_events') }}, {{ ref('base_chat__ratings') }}
with

ratings as (
    select
        rating_id,
        shop_id,
        buyer_key,
        stars,
        rated_at
    from {{ ref('stg_chat__ratings') }} as clean_ratings  -- noqa: AL05
    where {{ is_changed_pair('clean_ratings', 'rated_at') }}
),

sessions as (
    select
        session_id,
        shop_id,
        buyer_key,
        session_started_at,
        coalesce(session_ended_at, last_message_at) as rating_window_from
    from {{ ref('int_sessions__aggregated') }} as aggregated_sessions  -- noqa: AL05
    where {{ is_changed_pair('aggregated_sessions', 'rated_at') }}
),

candidates as (
    select
        ratings.rating_id,
        sessions.session_id,
        sessions.rating_window_from,
        row_number() over (
            partition by ratings.rating_id order by sessions.session_started_at desc
        ) as recency
    from ratings
    inner join sessions
        on ratings.shop_id = sessions.shop_id
            and ratings.buyer_key = sessions.buyer_key
            and ratings.rated_at >= sessions.session_started_at
),

latest_session as (
    select
        rating_id,
        session_id,
        rating_window_from
    from candidates
    where recency = 1
),

matched as (
    select
        ratings.rating_id,
        ratings.shop_id,
        ratings.buyer_key,
        ratings.stars,
        ratings.rated_at,
        case
            when ratings.rated_at <= {{ add_seconds('latest_session.rating_window_from', rating_window_seconds()) }}
                then latest_session.session_id
        end as session_id
    from ratings
    left join latest_session on ratings.rating_id = latest_session.rating_id
),

ranked as (
    select
        *,
        row_number() over (partition by session_id order by rated_at desc, rating_id desc) as rating_rank
    from matched
)

select
    rating_id,
    shop_id,
    buyer_key,
    stars,
    rated_at,
    session_id,
    session_id is not null and rating_rank = 1 as is_counted,
    case when session_id is null then 'rating_without_session' end as rejection_reason
from ranked
