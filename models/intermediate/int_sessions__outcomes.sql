{#-
  One row per session with every outcome of the spec: the local day (S6), vacation
  exclusion (S3), smart resolution and response status (S4), attribution (S5), the
  counted rating (S7) and service time (S10.3: two lookups in the spine per session).
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

service_spine as (
    select
        shop_id,
        utc_date,
        seconds_before_utc_date,
        part_started_at,
        part_ended_at
    from {{ ref('int_shops__service_time_spine') }}
),

service_lookup_instants as (
    select
        session_id,
        shop_id,
        'start' as instant_kind,
        session_started_at as instant_at
    from sessions
    union all
    select
        session_id,
        shop_id,
        'first_reply' as instant_kind,
        first_manual_reply_at as instant_at
    from sessions
    where first_manual_reply_at is not null
),

service_clock as (
    select
        service_lookup_instants.session_id,
        service_lookup_instants.instant_kind,
        count(service_spine.shop_id) > 0 as has_service_calendar,
        max(service_spine.seconds_before_utc_date) * 1000000 + sum(coalesce({{ microseconds_between(
            'service_spine.part_started_at',
            'least(greatest(service_lookup_instants.instant_at, service_spine.part_started_at), service_spine.part_ended_at)'
        ) }}, 0)) as service_microseconds_before,
        {{ is_in_service_by_spine('service_lookup_instants.instant_at', 'service_spine') }} as is_in_service
    from service_lookup_instants
    left join service_spine
        on {{ is_spine_row_of_instant(
            'service_lookup_instants.instant_at', 'service_lookup_instants.shop_id', 'service_spine'
        ) }}
    group by service_lookup_instants.session_id, service_lookup_instants.instant_kind
),

service_times as (
    select
        session_clock.session_id,
        session_clock.is_in_service as is_started_in_service_hours,
        {{ whole_seconds('reply_clock.service_microseconds_before - session_clock.service_microseconds_before') }}
            as spine_first_response_service_seconds,
        session_clock.has_service_calendar
    from service_clock as session_clock
    left join service_clock as reply_clock
        on session_clock.session_id = reply_clock.session_id
            and reply_clock.instant_kind = 'first_reply'
    where session_clock.instant_kind = 'start'
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
        service_times.is_started_in_service_hours,
        service_times.has_service_calendar,
        service_times.spine_first_response_service_seconds,
        sessions.first_manual_reply_at is null and sessions.is_last_said_smart_answer as is_smart_resolved,
        coalesce(sessions.assigned_event_agent_id, sessions.first_reply_agent_id) as assigned_agent_id,
        counted_ratings.stars as rating_stars
    from sessions
    inner join shops on sessions.shop_id = shops.shop_id
    inner join vacation_flags on sessions.session_id = vacation_flags.session_id
    inner join service_times on sessions.session_id = service_times.session_id
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
    manual_reply_messages,
    case
        when has_service_calendar then spine_first_response_service_seconds
        else first_response_seconds
    end as first_response_service_seconds,
    is_started_in_service_hours
from classified
