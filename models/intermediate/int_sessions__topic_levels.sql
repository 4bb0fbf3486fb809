{#-
  I1, I2 (docs/service-insights.md): one row per session, topic level and distinct topic
  of that level, with the session's share of it: 1/n for each of its n topics of the
  level, so a session's shares of a level add up to 1. Incremental by buyer pair (D18),
  so a daily run expands only the sessions it recomputed; fct_topic_daily then only adds
  up rows.
-#}
{{ pair_incremental_config() }}
-- depends_on: {{ ref('stg_chat__messages') }}, {{ ref('stg_chat__session_events') }}, {{ ref('stg_chat__ratings') }}
with

session_topics as (
    select
        session_id,
        shop_id,
        buyer_key,
        last_message_at,
        topic_code
    from {{ ref('int_sessions__topics') }} as session_topic_rows  -- noqa: AL05
    where {{ is_changed_pair('session_topic_rows', 'last_message_at') }}
),

topic_levels as (
    select
        leaf_code,
        topic_level,
        topic_code
    from {{ ref('int_topics__levels') }}
),

session_levels as (
    select distinct
        session_topics.session_id,
        session_topics.shop_id,
        session_topics.buyer_key,
        session_topics.last_message_at,
        topic_levels.topic_level,
        topic_levels.topic_code
    from session_topics
    inner join topic_levels on session_topics.topic_code = topic_levels.leaf_code
),

-- a fixed-point share: decimal sums do not depend on the order of rows, doubles do
shared as (
    select
        session_id,
        shop_id,
        buyer_key,
        last_message_at,
        topic_level,
        topic_code,
        cast(1.0 / count(*) over (partition by session_id, topic_level) as decimal(18, 12)) as topic_share
    from session_levels
)

select
    session_id,
    shop_id,
    buyer_key,
    last_message_at,
    topic_level,
    topic_code,
    topic_share
from shared
