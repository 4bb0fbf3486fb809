-- placeholder (s10-time): zero rows with the interface's columns until s10-staging lands
select
    cast(null as {{ dbt.type_string() }}) as shop_id,
    cast(null as date) as holiday_date,
    cast(null as {{ dbt.type_string() }}) as opens_at,
    cast(null as {{ dbt.type_string() }}) as closes_at,
    cast(null as integer) as opens_minute,
    cast(null as integer) as closes_minute
where 1 = 0
