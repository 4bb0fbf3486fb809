{#- One row per session (marts-contract.md), every outcome of S2 to S7 and S10.3; no raw buyer id. -#}
{{ pair_incremental_config(records_changed_days=true) }}
-- depends_on: {{ ref('base_chat__messages') }}, {{ ref('base_chat__session_events') }}, {{ ref('base_chat__ratings') }}
with

outcomes as (
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
        human_wait_seconds,
        human_replied_at,
        assigned_agent_id,
        is_unassigned,
        assignment_events,
        rating_stars,
        is_satisfied,
        consultation_messages,
        faq_click_messages,
        smart_answer_messages,
        auto_non_answer_messages,
        system_notice_messages,
        manual_reply_messages,
        first_response_service_seconds,
        is_started_in_service_hours
    from {{ ref('int_sessions__outcomes') }} as session_outcomes  -- noqa: AL05
    where {{ is_changed_pair('session_outcomes', 'last_message_at', zones=ref('int_shops__timezones')) }}
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
    human_wait_seconds,
    human_replied_at,
    assigned_agent_id,
    is_unassigned,
    assignment_events,
    rating_stars,
    is_satisfied,
    consultation_messages,
    faq_click_messages,
    smart_answer_messages,
    auto_non_answer_messages,
    system_notice_messages,
    manual_reply_messages,
    first_response_service_seconds,
    is_started_in_service_hours
from outcomes
