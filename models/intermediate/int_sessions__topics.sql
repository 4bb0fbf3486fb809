{#-
  I1 (docs/service-insights.md): the level-3 topics of each session, from keyword rules
  (seed topic_keywords) matched in the content of the session's buyer messages; a
  session that matches nothing gets the topic `other`. The message text is read here and
  never passed on: the output holds topic codes only.
-#}
{{ pair_incremental_config() }}
-- depends_on: {{ ref('base_chat__messages') }}, {{ ref('base_chat__session_events') }}, {{ ref('base_chat__ratings') }}
with

session_buyer_messages as (
    select
        shop_id,
        buyer_key,
        segment_no,
        row_id as message_id
    from {{ ref('int_sessions__sessionized') }} as sessionized_rows  -- noqa: AL05
    where is_in_session and is_buyer_message and {{ is_changed_pair('sessionized_rows', 'last_message_at') }}
),

-- only the texts of the sessions recomputed (on incremental runs, the changed pairs')
message_texts as (
    select
        session_buyer_messages.shop_id,
        session_buyer_messages.buyer_key,
        session_buyer_messages.segment_no,
        messages.content
    from {{ ref('stg_chat__messages') }} as messages
    inner join session_buyer_messages on messages.message_id = session_buyer_messages.message_id
    where messages.is_buyer_message and messages.content is not null
),

sessions as (
    select
        session_id,
        shop_id,
        buyer_key,
        segment_no,
        last_message_at
    from {{ ref('int_sessions__aggregated') }} as aggregated_sessions  -- noqa: AL05
    where {{ is_changed_pair('aggregated_sessions', 'last_message_at') }}
),

keywords as (
    select
        topic_code,
        keyword
    from {{ ref('topic_keywords') }}
),

-- keywords are matched once per distinct text (buyers repeat themselves: FAQ clicks,
-- templates), not once per message
distinct_texts as (
    select distinct content
    from message_texts
),

text_topics as (
    select
        distinct_texts.content,
        keywords.topic_code
    from distinct_texts
    inner join keywords on {{ contains_text('distinct_texts.content', 'keywords.keyword') }}
),

matched as (
    select distinct
        message_texts.shop_id,
        message_texts.buyer_key,
        message_texts.segment_no,
        text_topics.topic_code
    from message_texts
    inner join text_topics on message_texts.content = text_topics.content
),

session_topics as (
    select
        sessions.session_id,
        sessions.shop_id,
        sessions.buyer_key,
        sessions.last_message_at,
        coalesce(matched.topic_code, 'other') as topic_code
    from sessions
    left join matched
        on sessions.shop_id = matched.shop_id
            and sessions.buyer_key = matched.buyer_key
            and sessions.segment_no = matched.segment_no
)

select
    session_id,
    shop_id,
    buyer_key,
    last_message_at,
    topic_code
from session_topics
