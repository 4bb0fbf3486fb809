{#-
  I1, I2 (docs/service-insights.md): consultations per shop, local day and topic, at each
  of the three topic levels, with the session-source split. A session counts once under
  each of its topics (topic_sessions) and gives each of its n topics of a level a share
  of 1/n (topic_share_sum), so the shares of a level add up to the day's consultations.
-#}
with

sessions as (
    select
        session_id,
        shop_id,
        date_day,
        smart_answer_messages,
        manual_reply_messages
    from {{ ref('fct_sessions') }}
),

session_topics as (
    select
        session_id,
        topic_code
    from {{ ref('int_sessions__topics') }}
),

taxonomy as (
    select
        topic_code,
        topic_l1_code,
        topic_l1_name,
        topic_l1_name_zh,
        topic_l2_code,
        topic_l2_name,
        topic_l2_name_zh,
        topic_name,
        topic_name_zh
    from {{ ref('topic_taxonomy') }}
),

-- each level-3 topic with its topic at every level (a small table: 3 rows per topic)
topic_at_levels as (
    select
        topic_code as leaf_code,
        1 as topic_level,
        topic_l1_code as topic_code,
        topic_l1_code,
        cast(null as {{ type_text() }}) as topic_l2_code,
        topic_l1_name as topic_name,
        topic_l1_name_zh as topic_name_zh
    from taxonomy
    union all
    select
        topic_code as leaf_code,
        2 as topic_level,
        topic_l2_code as topic_code,
        topic_l1_code,
        topic_l2_code,
        topic_l2_name as topic_name,
        topic_l2_name_zh as topic_name_zh
    from taxonomy
    union all
    select
        topic_code as leaf_code,
        3 as topic_level,
        topic_code,
        topic_l1_code,
        topic_l2_code,
        topic_name,
        topic_name_zh
    from taxonomy
),

level_names as (
    select distinct
        topic_level,
        topic_code,
        topic_l1_code,
        topic_l2_code,
        topic_name,
        topic_name_zh
    from topic_at_levels
),

-- one row per session, level and distinct topic of that level (codes only: names join last)
topic_levels as (
    select distinct
        session_topics.session_id,
        topic_at_levels.topic_level,
        topic_at_levels.topic_code
    from session_topics
    inner join topic_at_levels on session_topics.topic_code = topic_at_levels.leaf_code
),

shared as (
    select
        topic_levels.session_id,
        topic_levels.topic_level,
        topic_levels.topic_code,
        sessions.shop_id,
        sessions.date_day,
        {{ session_source('sessions.smart_answer_messages', 'sessions.manual_reply_messages') }} as session_source,
        -- a fixed-point share: decimal sums do not depend on the order of rows, doubles do
        cast(1.0 / count(*) over (partition by topic_levels.session_id, topic_levels.topic_level) as decimal(18, 12))
            as topic_share
    from topic_levels
    inner join sessions on topic_levels.session_id = sessions.session_id
),

daily as (
    select
        shop_id,
        date_day,
        topic_level,
        topic_code,
        count(*) as topic_sessions,
        cast(sum(topic_share) as decimal(38, 12)) as topic_share_sum,
        {{ session_source_counts() }}
    from shared
    group by shop_id, date_day, topic_level, topic_code
)

select
    daily.shop_id,
    daily.date_day,
    daily.topic_level,
    daily.topic_code,
    level_names.topic_l1_code,
    level_names.topic_l2_code,
    level_names.topic_name,
    level_names.topic_name_zh,
    daily.topic_sessions,
    daily.topic_share_sum,
    daily.bot_only_sessions,
    daily.bot_then_human_sessions,
    daily.human_only_sessions,
    daily.unanswered_sessions
from daily
inner join level_names
    on daily.topic_level = level_names.topic_level
        and daily.topic_code = level_names.topic_code
