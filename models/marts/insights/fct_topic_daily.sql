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

sourced_sessions as (
    select
        session_id,
        shop_id,
        date_day,
        {{ session_source('smart_answer_messages', 'manual_reply_messages') }} as session_source
    from sessions
),

-- each session's level-3 topics as one text key: sessions share few distinct topic sets,
-- so levels and shares are worked out once per set rather than once per session
session_topic_sets as (
    select
        session_id,
        {{ sorted_text_agg('topic_code', "'|'") }} as topic_set
    from session_topics
    group by session_id
),

set_days as (
    select
        sourced_sessions.shop_id,
        sourced_sessions.date_day,
        sourced_sessions.session_source,
        session_topic_sets.topic_set,
        count(*) as set_sessions
    from session_topic_sets
    inner join sourced_sessions on session_topic_sets.session_id = sourced_sessions.session_id
    group by sourced_sessions.shop_id, sourced_sessions.date_day, sourced_sessions.session_source, session_topic_sets.topic_set
),

-- the topics of each set, read from one session that has it
set_examples as (
    select
        topic_set,
        min(session_id) as session_id
    from session_topic_sets
    group by topic_set
),

set_levels as (
    select distinct
        set_examples.topic_set,
        topic_at_levels.topic_level,
        topic_at_levels.topic_code
    from set_examples
    inner join session_topics on set_examples.session_id = session_topics.session_id
    inner join topic_at_levels on session_topics.topic_code = topic_at_levels.leaf_code
),

-- a fixed-point share of 1/n for each of a set's n topics of a level: decimal sums do
-- not depend on the order of rows, doubles do
set_shares as (
    select
        topic_set,
        topic_level,
        topic_code,
        cast(1.0 / count(*) over (partition by topic_set, topic_level) as decimal(18, 12)) as topic_share
    from set_levels
),

daily as (
    select
        set_days.shop_id,
        set_days.date_day,
        set_shares.topic_level,
        set_shares.topic_code,
        cast(sum(set_days.set_sessions) as bigint) as topic_sessions,
        cast(sum(cast(set_days.set_sessions as decimal(18, 0)) * set_shares.topic_share) as decimal(38, 12))
            as topic_share_sum,
        {{ session_source_counts('set_days.session_source', weight='set_days.set_sessions') }}
    from set_days
    inner join set_shares on set_days.topic_set = set_shares.topic_set
    group by set_days.shop_id, set_days.date_day, set_shares.topic_level, set_shares.topic_code
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
