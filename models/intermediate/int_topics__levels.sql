{#-
  I1 (docs/service-insights.md): each level-3 topic of seed topic_taxonomy with its topic
  at each of the three levels (three rows per level-3 topic), names included: the one
  place that walks the taxonomy for the session topic levels and the topic mart.
-#}
with

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
)

select
    leaf_code,
    topic_level,
    topic_code,
    topic_l1_code,
    topic_l2_code,
    topic_name,
    topic_name_zh
from topic_at_levels
