{#-
  Each clean shop's time zone, and since when the warehouse has it (D65): the start of
  the run that first built the shop with this time zone. A table rebuilt every run from
  the shops snapshot; it reads its own previous rows (not on full refreshes or Spark,
  whose models are rebuilt whole) to keep that time while the zone stays the same. The
  session models recompute every pair of a shop whose zone is newer than their own last
  build, and fct_sessions then has the daily marts rebuild that shop whole.
-#}
{%- set previous = load_relation(this) if execute and target.type != 'spark' and not flags.FULL_REFRESH else none %}
with

shops as (
    select
        shop_id,
        timezone
    from {{ ref('stg_chat__shops') }}
),

previous_zones as (
    {%- if previous is not none %}
        select
            shop_id,
            timezone,
            staged_at
        from {{ previous }}
    {%- else %}
        select
            cast(null as {{ dbt.type_string() }}) as shop_id,
            cast(null as {{ dbt.type_string() }}) as timezone,
            cast(null as timestamp) as staged_at
        where false
    {%- endif %}
),

zones as (
    select
        shops.shop_id,
        shops.timezone,
        coalesce(previous_zones.staged_at, {{ staged_at() }}) as staged_at
    from shops
    left join previous_zones
        on shops.shop_id = previous_zones.shop_id and shops.timezone = previous_zones.timezone
)

select
    shop_id,
    timezone,
    staged_at
from zones
