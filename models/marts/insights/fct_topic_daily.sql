{#-
  I1, I2 (docs/service-insights.md): consultations per shop, local day and topic, at each
  of the three topic levels, with the session-source split. A session counts once under
  each of its topics (topic_sessions) and gives each of its n topics of a level a share
  of 1/n (topic_share_sum), so the shares of a level add up to the day's consultations.
  The levels and shares per session come from int_sessions__topic_levels; this model
  adds them up by the session's shop, day and source.
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

topic_levels as (
    select
        session_id,
        topic_level,
        topic_code,
        topic_share
    from {{ ref('int_sessions__topic_levels') }}
),

level_names as (
    select distinct
        topic_level,
        topic_code,
        topic_l1_code,
        topic_l2_code,
        topic_name,
        topic_name_zh
    from {{ ref('int_topics__levels') }}
),

shared as (
    select
        topic_levels.topic_level,
        topic_levels.topic_code,
        topic_levels.topic_share,
        sessions.shop_id,
        sessions.date_day,
        {{ session_source('sessions.smart_answer_messages', 'sessions.manual_reply_messages') }} as session_source
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
