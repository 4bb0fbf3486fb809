-- I1, D30: fct_topic_daily counts sessions per set of level-3 topics held as the bits of
-- a bigint, so the taxonomy may hold at most 62 topics (bits 0 to 61). Fails with the
-- count when the seed grows past that; `dbt build` then skips the topic marts.
select count(*) as level_3_topics
from {{ ref('topic_taxonomy') }}
having count(*) > 62
