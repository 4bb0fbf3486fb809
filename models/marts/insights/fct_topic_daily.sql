{#-
  I1, I2 (docs/service-insights.md): consultations per shop, local day and topic, at each
  of the three topic levels, with the session-source split. A session counts once under
  each of its topics (topic_sessions) and gives each of its n topics of a level a share
  of 1/n (topic_share_sum), so the shares of a level add up to the day's consultations.
  Sessions are counted per set of topics, each set worked out once (decisions.md D30).
-#}
{{ rebuilt_days_config('date_day') }}
with

sessions as (
    select
        session_id,
        shop_id,
        date_day,
        smart_answer_messages,
        manual_reply_messages
    from {{ ref('fct_sessions') }} as all_sessions  -- noqa: AL05
    where {{ is_rebuilt_day('all_sessions.shop_id', 'all_sessions.date_day') }}
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
        cast(null as {{ dbt.type_string() }}) as topic_l2_code,
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

-- each level-3 topic as one bit of a bigint (the singular test
-- i1_topic_taxonomy_fits_a_topic_mask keeps the seed within 62 topics)
leaf_bits as (
    select
        topic_code,
        cast(power(2, row_number() over (order by topic_code) - 1) as bigint) as leaf_bit
    from taxonomy
),

-- each topic of each level with the bits of the level-3 topics under it
level_masks as (
    select
        topic_at_levels.topic_level,
        topic_at_levels.topic_code,
        bit_or(leaf_bits.leaf_bit) as topic_mask
    from topic_at_levels
    inner join leaf_bits on topic_at_levels.leaf_code = leaf_bits.topic_code
    group by topic_at_levels.topic_level, topic_at_levels.topic_code
),

-- each session's set of topics as one number: sessions are then counted per set, and
-- the set's topics and shares are worked out once per distinct set rather than per session
session_sets as (
    select
        session_topics.session_id,
        bit_or(leaf_bits.leaf_bit) as topic_set
    from session_topics
    inner join leaf_bits on session_topics.topic_code = leaf_bits.topic_code
    group by session_topics.session_id
),

sourced_sessions as (
    select
        sessions.shop_id,
        sessions.date_day,
        session_sets.topic_set,
        {{ session_source('sessions.smart_answer_messages', 'sessions.manual_reply_messages') }} as session_source
    from sessions
    inner join session_sets on sessions.session_id = session_sets.session_id
),

set_days as (
    select
        shop_id,
        date_day,
        topic_set,
        count(*) as set_sessions,
        {{ session_source_counts() }}
    from sourced_sessions
    group by shop_id, date_day, topic_set
),

-- each distinct set's topics at every level, each with its share 1/n of the level
set_topics as (
    select
        sets.topic_set,
        level_masks.topic_level,
        level_masks.topic_code,
        -- a fixed-point share: decimal sums do not depend on the order of rows, doubles do
        cast(1.0 / count(*) over (partition by sets.topic_set, level_masks.topic_level) as decimal(18, 12))
            as topic_share
    from (select distinct topic_set from session_sets) as sets
    inner join level_masks on (sets.topic_set & level_masks.topic_mask) <> 0
),

daily as (
    select
        set_days.shop_id,
        set_days.date_day,
        set_topics.topic_level,
        set_topics.topic_code,
        {{ sum_as_bigint('set_days.set_sessions') }} as topic_sessions,
        -- decimal times decimal: exact on every engine (Spark would cut the scale of decimal times bigint)
        cast(sum(set_topics.topic_share * cast(set_days.set_sessions as decimal(18, 0))) as decimal(38, 12))
            as topic_share_sum,
        {{ session_source_sums('set_days') }}
    from set_days
    inner join set_topics on set_days.topic_set = set_topics.topic_set
    group by set_days.shop_id, set_days.date_day, set_topics.topic_level, set_topics.topic_code
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
-- in day order: the days a run rebuilds are then the table's last row groups (D31)
order by daily.date_day
