-- I1: per shop, day and topic level, the topic shares add up to the day's consultations
-- (every session has at least one topic per level, `other` included).
with

levels as (
    select 1 as topic_level
    union all
    select 2 as topic_level
    union all
    select 3 as topic_level
),

expected as (
    select
        shop_daily.shop_id,
        shop_daily.date_day,
        levels.topic_level,
        shop_daily.consultations
    from {{ ref('fct_shop_daily') }} as shop_daily
    cross join levels
),

actual as (
    select
        shop_id,
        date_day,
        topic_level,
        round(cast(sum(topic_share_sum) as decimal(38, 9)), 6) as consultations
    from {{ ref('fct_topic_daily') }}
    group by shop_id, date_day, topic_level
)

{{ compare_facts('actual', 'expected', ['shop_id', 'date_day', 'topic_level'], ['consultations']) }}
