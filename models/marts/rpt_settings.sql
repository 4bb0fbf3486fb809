-- The thresholds this build used (README "Project variables"), in one row, so that readers
-- of the published marts (the seller-centre page, BI tools) label figures with them.
with

settings as (
    select
        cast({{ positive_number_var('session_timeout_hours') }} as {{ dbt.type_numeric() }}) as session_timeout_hours,
        cast({{ positive_number_var('response_window_hours') }} as {{ dbt.type_numeric() }}) as response_window_hours,
        cast({{ positive_number_var('rating_window_days') }} as {{ dbt.type_numeric() }}) as rating_window_days,
        cast({{ satisfied_min_stars() }} as {{ dbt.type_int() }}) as satisfied_min_stars,
        cast({{ human_connect_target_seconds() }} as {{ dbt.type_numeric() }}) as human_connect_target_seconds,
        cast({{ smart_service_window_days() }} as {{ dbt.type_int() }}) as smart_service_window_days,
        cast({{ positive_number_var('max_quarantined_share') }} as {{ dbt.type_numeric() }}) as max_quarantined_share,
        cast(
            {{ positive_number_var('incremental_lookback_hours') }} as {{ dbt.type_numeric() }}
        ) as incremental_lookback_hours
)

select
    session_timeout_hours,
    response_window_hours,
    rating_window_days,
    satisfied_min_stars,
    human_connect_target_seconds,
    smart_service_window_days,
    max_quarantined_share,
    incremental_lookback_hours
from settings
