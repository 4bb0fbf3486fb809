{#-
  I3 (docs/service-insights.md): per shop, local day and topic (every level), the day's
  sessions against the average per day over the previous 7 and 28 days. Days without
  sessions of a topic count 0, from the shop's first day to the latest day in the
  warehouse; with fewer earlier days the average is over the days that exist.
-#}
{{ rebuilt_days_config('date_day') }}
with

topic_days as (
    select
        shop_id,
        date_day,
        topic_level,
        topic_code,
        topic_sessions
    from {{ ref('fct_topic_daily') }}
),

shop_days as (
    select
        shop_id,
        date_day
    from {{ ref('fct_shop_daily') }}
),

shop_topics as (
    select distinct
        shop_id,
        topic_level,
        topic_code
    from topic_days
),

-- names join last: the windows below then sort narrow rows (the dense spine of shops x
-- topics x days is the largest relation of the project)
topic_names as (
    select distinct
        topic_level,
        topic_code,
        topic_l1_code,
        topic_l2_code,
        topic_name,
        topic_name_zh
    from {{ ref('fct_topic_daily') }}
),

shop_calendar as (
    {{ shop_calendar('shop_days') }}
),

-- on incremental runs (D31) the days rebuilt and the days their averages reach back to; a
-- shop whose set of topics changed rebuilds whole, as a topic's rows run from the shop's first day
needed_days as (
    {{ rebuilt_days_with_reach(
        'shop_calendar', hotspot_reach_days(), whole_shops=hotspot_shops_with_changed_topics()
    ) }}
),

spine as (
    select
        shop_topics.shop_id,
        shop_topics.topic_level,
        shop_topics.topic_code,
        needed_days.date_day,
        needed_days.is_rebuilt
    from shop_topics
    inner join needed_days on shop_topics.shop_id = needed_days.shop_id
),

filled as (
    select
        spine.shop_id,
        spine.date_day,
        spine.topic_level,
        spine.topic_code,
        spine.is_rebuilt,
        coalesce(topic_days.topic_sessions, 0) as topic_sessions
    from spine
    left join topic_days
        on spine.shop_id = topic_days.shop_id
            and spine.date_day = topic_days.date_day
            and spine.topic_level = topic_days.topic_level
            and spine.topic_code = topic_days.topic_code
),

windowed as (
    select
        *,
        sum(topic_sessions) over previous_7 as previous_7d_sessions,
        count(*) over previous_7 as previous_7d_days,
        sum(topic_sessions) over previous_28 as previous_28d_sessions,
        count(*) over previous_28 as previous_28d_days
    from filled
    window
        previous_7 as (
            partition by shop_id, topic_level, topic_code order by date_day
            rows between 7 preceding and 1 preceding
        ),
        previous_28 as (
            partition by shop_id, topic_level, topic_code order by date_day
            rows between {{ hotspot_reach_days() }} preceding and 1 preceding
        )
),

averaged as (
    select
        *,
        {{ safe_ratio('previous_7d_sessions', 'previous_7d_days') }} as avg_previous_7d_sessions,
        {{ safe_ratio('previous_28d_sessions', 'previous_28d_days') }} as avg_previous_28d_sessions
    from windowed
),

compared as (
    select
        shop_id,
        date_day,
        topic_level,
        topic_code,
        is_rebuilt,
        topic_sessions,
        avg_previous_7d_sessions,
        topic_sessions - avg_previous_7d_sessions as change_vs_7d,
        {{ safe_ratio('topic_sessions - avg_previous_7d_sessions', 'avg_previous_7d_sessions') }}
            as change_ratio_vs_7d,
        avg_previous_28d_sessions,
        topic_sessions - avg_previous_28d_sessions as change_vs_28d,
        {{ safe_ratio('topic_sessions - avg_previous_28d_sessions', 'avg_previous_28d_sessions') }}
            as change_ratio_vs_28d
    from averaged
)

select
    compared.shop_id,
    compared.date_day,
    compared.topic_level,
    compared.topic_code,
    topic_names.topic_l1_code,
    topic_names.topic_l2_code,
    topic_names.topic_name,
    topic_names.topic_name_zh,
    compared.topic_sessions,
    compared.avg_previous_7d_sessions,
    compared.change_vs_7d,
    compared.change_ratio_vs_7d,
    compared.avg_previous_28d_sessions,
    compared.change_vs_28d,
    compared.change_ratio_vs_28d
from compared
inner join topic_names
    on compared.topic_level = topic_names.topic_level
        and compared.topic_code = topic_names.topic_code
where compared.is_rebuilt
