{#- S10's service calendar as exported: local dates and wall-clock times of day. -#}

{#- A local date `YYYY-MM-DD` as a date; null when it is not one (`2025-02-30`, `30/03/2025`). -#}
{% macro parse_iso_date(text) -%}
    case
        when {{ is_iso_date_text(text) }} then cast({{ parse_iso_timestamp('(' ~ text ~ " || 'T00:00:00')") }} as date)
    end
{%- endmacro %}

{#- Minutes after local midnight of a time `HH:MM` (S10.4: exactly two digits each), 00:00
    to 24:00 (1440); null when it is not such a time (`9:00`, `24:30`, `12:60`). Whether
    24:00 may stand where it stands (only as a closing time) is the caller's check. -#}
{% macro clock_minutes(text) -%}
    {#- nested, so that no engine casts a text before its shape is checked -#}
    {%- set hours = 'cast(substr(' ~ text ~ ', 1, 2) as integer)' -%}
    {%- set minutes = 'cast(substr(' ~ text ~ ', 4, 2) as integer)' -%}
    case
        when {{ is_clock_time_text(text) }} then
            case
                when {{ minutes }} < 60 and {{ hours }} * 60 + {{ minutes }} <= {{ end_of_day_minute() }}
                    then {{ hours }} * 60 + {{ minutes }}
            end
    end
{%- endmacro %}

{#- The minute of local midnight at the end of the day: `24:00`, a closing time only (S10). -#}
{% macro end_of_day_minute() -%}
    1440
{%- endmacro %}

{#- S10: an instant is in service from an opening (included) to a closing (excluded). -#}
{% macro is_within_service_part(instant, part) -%}
    ({{ instant }} >= {{ part }}.part_started_at and {{ instant }} < {{ part }}.part_ended_at)
{%- endmacro %}

{#- S10 lookup of an instant in int_shops__service_time_spine (D75): the join condition of
    the spine rows `spine` of shop `shop_id` on the instant's UTC date. -#}
{% macro is_spine_row_of_instant(instant, shop_id, spine) -%}
    ({{ shop_id }} = {{ spine }}.shop_id and cast({{ instant }} as date) = {{ spine }}.utc_date)
{%- endmacro %}

{#- S10, an aggregate over the spine rows of one instant (is_spine_row_of_instant, left
    joined): whether the instant is in service time. No row, a shop without a calendar,
    is in service at all hours. -#}
{% macro is_in_service_by_spine(instant, spine) -%}
    (count({{ spine }}.shop_id) = 0 or max(case when {{ is_within_service_part(instant, spine) }} then 1 else 0 end) = 1)
{%- endmacro %}
