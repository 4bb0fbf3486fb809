-- I4: rpt_first_response_percentiles has one row per shop-day of fct_shop_daily, with its
-- first responses; a day without any (all vacation-excluded, or only awaiting a reply)
-- keeps its row, with null percentiles.
with

expected as (
    select
        shop_id,
        date_day,
        first_response_sessions
    from {{ ref('fct_shop_daily') }}
),

actual as (
    select
        shop_id,
        date_day,
        first_response_sessions
    from {{ ref('rpt_first_response_percentiles') }}
),

mismatched as (
    select
        coalesce(actual.shop_id, expected.shop_id) as shop_id,
        coalesce(actual.date_day, expected.date_day) as date_day,
        actual.first_response_sessions as actual_first_response_sessions,
        expected.first_response_sessions as expected_first_response_sessions
    from actual
    full outer join expected
        on {{ columns_match('actual', 'expected', ['shop_id', 'date_day']) }}
    where actual.shop_id is null
        or expected.shop_id is null
        or actual.first_response_sessions <> expected.first_response_sessions
)

select
    shop_id,
    date_day,
    actual_first_response_sessions,
    expected_first_response_sessions
from mismatched
