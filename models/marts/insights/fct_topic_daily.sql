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

classified as (
    select
        session_topics.session_id,
        taxonomy.topic_code,
        taxonomy.topic_l1_code,
        taxonomy.topic_l1_name,
        taxonomy.topic_l1_name_zh,
        taxonomy.topic_l2_code,
        taxonomy.topic_l2_name,
        taxonomy.topic_l2_name_zh,
        taxonomy.topic_name,
        taxonomy.topic_name_zh
    from session_topics
    inner join taxonomy on session_topics.topic_code = taxonomy.topic_code
),

-- one row per session, level and distinct topic of that level
topic_levels as (
    select distinct
        session_id,
        1 as topic_level,
        topic_l1_code as topic_code,
        topic_l1_code,
        cast(null as varchar) as topic_l2_code,
        topic_l1_name as topic_name,
        topic_l1_name_zh as topic_name_zh
    from classified
    union all
    select distinct
        session_id,
        2 as topic_level,
        topic_l2_code as topic_code,
        topic_l1_code,
        topic_l2_code,
        topic_l2_name as topic_name,
        topic_l2_name_zh as topic_name_zh
    from classified
    union all
    select
        session_id,
        3 as topic_level,
        topic_code,
        topic_l1_code,
        topic_l2_code,
        topic_name,
        topic_name_zh
    from classified
),

shared as (
    select
        topic_levels.session_id,
        topic_levels.topic_level,
        topic_levels.topic_code,
        topic_levels.topic_l1_code,
        topic_levels.topic_l2_code,
        topic_levels.topic_name,
        topic_levels.topic_name_zh,
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
        topic_l1_code,
        topic_l2_code,
        topic_name,
        topic_name_zh,
        count(*) as topic_sessions,
        sum(topic_share) as topic_share_sum,
        {{ session_source_counts() }}
    from shared
    group by shop_id, date_day, topic_level, topic_code, topic_l1_code, topic_l2_code, topic_name, topic_name_zh
)

select
    shop_id,
    date_day,
    topic_level,
    topic_code,
    topic_l1_code,
    topic_l2_code,
    topic_name,
    topic_name_zh,
    topic_sessions,
    topic_share_sum,
    bot_only_sessions,
    bot_then_human_sessions,
    human_only_sessions,
    unanswered_sessions
from daily
