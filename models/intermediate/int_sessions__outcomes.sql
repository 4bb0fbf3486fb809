{#-
  One row per session with every outcome of the spec: the local day (S6), vacation
  exclusion (S3), smart resolution and response status (S4), attribution (S5) and the
  counted rating (S7).
-#}
{{ pair_incremental_config() }}
-- depends_on: {{ ref('base_chat__messages') }}, {{ ref('base_chat__session_events') }}, {{ ref('base_chat__ratings') }}
with

sessions as (
    select
        session_id,
        shop_id,
        buyer_key,
        session_started_at,
        last_message_at,
        session_ended_at,
        close_reason,
        high_water_mark_at,
        first_manual_reply_at,
        first_smart_answer_at,
        human_requested_at,
        human_connected_at,
        human_replied_at,
        first_reply_agent_id,
        assigned_event_agent_id,
        is_last_said_smart_answer,
        assignment_events,
        consultation_messages,
        faq_click_messages,
        smart_answer_messages,
        auto_non_answer_messages,
        system_notice_messages,
        manual_reply_messages
    from {{ ref('int_sessions__aggregated') }} as aggregated_sessions  -- noqa: AL05
    where {{ is_changed_pair('aggregated_sessions', 'last_message_at', zones=ref('int_shops__timezones')) }}
),

shops as (
    select
        shop_id,
        timezone
    from {{ ref('int_shops__timezones') }}
),

vacation_periods as (
    select
        shop_id,
        vacation_started_at,
        vacation_ended_at
    from {{ ref('int_shops__vacation_periods') }}
),

counted_ratings as (
    select
        session_id,
        stars
    from {{ ref('int_ratings__matched') }}
    where is_counted
),

vacation_flags as (
    select
        sessions.session_id,
        count(vacation_periods.shop_id) > 0 as is_vacation_excluded
    from sessions
    left join vacation_periods
        on sessions.shop_id = vacation_periods.shop_id
            and sessions.session_started_at >= vacation_periods.vacation_started_at
            and (
                vacation_periods.vacation_ended_at is null
                or sessions.session_started_at < vacation_periods.vacation_ended_at
            )
    group by sessions.session_id
),

enriched as (
    select
        sessions.*,
        {{ local_date('sessions.session_started_at', 'shops.timezone') }} as date_day,
        vacation_flags.is_vacation_excluded,
        {{ seconds_between('sessions.session_started_at', 'sessions.first_manual_reply_at') }}
            as first_response_seconds,
        sessions.first_manual_reply_at is null and sessions.is_last_said_smart_answer as is_smart_resolved,
        coalesce(sessions.assigned_event_agent_id, sessions.first_reply_agent_id) as assigned_agent_id,
        counted_ratings.stars as rating_stars
    from sessions
    inner join shops on sessions.shop_id = shops.shop_id
    inner join vacation_flags on sessions.session_id = vacation_flags.session_id
    left join counted_ratings on sessions.session_id = counted_ratings.session_id
),

classified as (
    select
        *,
        case
            when is_vacation_excluded then 'vacation_excluded'
            when is_smart_resolved then 'smart_resolved'
            when first_response_seconds <= {{ response_window_seconds() }} then 'responded_within_24h'
            when first_response_seconds > {{ response_window_seconds() }} then 'responded_late'
            when close_reason = 'open'
                and high_water_mark_at < {{ add_seconds('session_started_at', response_window_seconds()) }}
                then 'awaiting_response'
            else 'unresponded'
        end as response_status
    from enriched
)

select
    session_id,
    shop_id,
    buyer_key,
    date_day,
    session_started_at,
    last_message_at,
    session_ended_at,
    close_reason,
    is_vacation_excluded,
    is_smart_resolved,
    response_status,
    first_manual_reply_at,
    first_response_seconds,
    first_smart_answer_at,
    human_requested_at,
    human_connected_at,
    {{ seconds_between('human_requested_at', 'human_connected_at') }} as human_wait_seconds,
    human_replied_at,
    assigned_agent_id,
    assigned_agent_id is null as is_unassigned,
    assignment_events,
    rating_stars,
    rating_stars >= {{ satisfied_min_stars() }} as is_satisfied,
    consultation_messages,
    faq_click_messages,
    smart_answer_messages,
    auto_non_answer_messages,
    system_notice_messages,
    manual_reply_messages
from classified
