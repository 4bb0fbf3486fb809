{#-
  Incremental builds by buyer pair (D18): a session model's rows depend only on their
  (shop_id, buyer_key) pair's own rows, its shop and the high-water mark, so a run
  recomputes whole only the pairs with a row since the cutoff or staged since the model's
  last build (D50), and the models that read the shop's time zone and calendar also
  every pair of a shop whose zone or calendar changed (D65, D80). The lookback must cover a session still open or
  awaiting its reply (validate_vars checks it); a late vacation switch needs
  --full-refresh.
-#}

{#- True on incremental runs of a model. `this` is checked first because unit tests
    render models without one unless they give it. -#}
{% macro is_incremental_run() -%}
    {{ return(this is not none and is_incremental()) }}
{%- endmacro %}

{% macro incremental_lookback_seconds() -%}
    {{ positive_number_var('incremental_lookback_hours') * 3600 }}
{%- endmacro %}

{#- The model's cutoff: the latest `time_column` of its own table less the lookback; an
    empty table gives 1900-01-01, so every row is recomputed. -#}
{% macro incremental_cutoff(time_column) -%}
    (
        select coalesce(
            {{ add_seconds('max(' ~ time_column ~ ')', '-' ~ incremental_lookback_seconds()) }},
            cast('1900-01-01' as timestamp)
        )
        from {{ this }}
    )
{%- endmacro %}

{#- The base models a pair's sessions are computed from, with the time column of each. -#}
{% macro pair_base_models() -%}
    {{ return([('base_chat__messages', 'sent_at'), ('base_chat__session_events', 'occurred_at'), ('base_chat__ratings', 'rated_at')]) }}
{%- endmacro %}

{#- The pairs with a clean row at or after the cutoff, or with a row staged or re-judged
    since the model's last build (D50: a late row, a row a later version quarantined).
    With `zones` (int_shops__timezones), also every pair of a shop whose time zone or
    calendar is newer than the model's last build (D65, D80), in a branch of its own: an IN under the OR
    would be a per-row SubPlan on PostgreSQL. -#}
{% macro changed_pairs(time_column, zones=none) -%}
    {%- set cutoff = incremental_cutoff(time_column) -%}
    {%- set last_built = model_last_built_at() -%}
    {%- for table in pair_base_models() %}
    select shop_id, buyer_key from {{ ref(table[0]) }}
    where quarantine_reason is null and is_first_delivery and {{ table[1] }} >= {{ cutoff }} or staged_at > {{ last_built }}
    {{ 'union' if not loop.last }}
    {%- endfor %}
    {%- if zones is not none %}
    union
    select shop_id, buyer_key from {{ ref(pair_base_models()[0][0]) }}
    where shop_id in ({{ rezoned_shops(zones) }})
    {%- endif %}
{%- endmacro %}

{#- The shops of `zones` (int_shops__timezones) whose time zone or calendar is newer than
    the model's last build (D65, D80). -#}
{% macro rezoned_shops(zones) -%}
    select shop_id from {{ zones }} where staged_at > {{ model_last_built_at() }}
{%- endmacro %}

{#- A condition that holds for the rows of `relation_alias` that belong to a changed
    pair on incremental runs, and for every row on full builds. (On full builds the
    alias goes unused, hence `-- noqa: AL05` where the models name it.) A row-value IN,
    not a correlated EXISTS: DuckDB plans it as one hash semi-join. -#}
{% macro is_changed_pair(relation_alias, time_column, zones=none) -%}
    {%- if is_incremental_run() -%}
    ({{ relation_alias }}.shop_id, {{ relation_alias }}.buyer_key) in ({{ changed_pairs(time_column, zones) }})
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

{#- The config of the incremental models: delete the rows of every `unique_key` the
    run recomputes, insert the new ones; a changed column list needs --full-refresh. -#}
{% macro delete_insert_config(unique_key) -%}
    {{ return(adapter.dispatch('delete_insert_config', 'service_analytics')(unique_key)) }}
{%- endmacro %}

{% macro default__delete_insert_config(unique_key) -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=unique_key,
        on_schema_change='fail'
    ) }}
{%- endmacro %}

{#- Spark: Parquet tables cannot delete rows, and neither `merge` (one source row per
    key) nor `insert_overwrite` (whole partitions) is delete+insert, so the models are
    tables rebuilt every run (D28). -#}
{% macro spark__delete_insert_config(unique_key) -%}
    {{ config(materialized='table', file_format='parquet') }}
{%- endmacro %}

{#- The session models: delete+insert on the pair, after a pre-hook that deletes the
    pairs of the rows staged since the model's last build (D50). A pair whose rows all
    became quarantined (a conflicting later version) has no row left to insert, so only
    this delete removes its old rows; the pairs it deletes are recomputed by the run
    (changed_pairs), and if the run fails, by the next. -#}
{% macro pair_incremental_config(records_changed_days=false) -%}
    {{ delete_insert_config(['shop_id', 'buyer_key']) }}
    {%- if records_changed_days %}
    {{ config(
        pre_hook=["{{ record_changed_session_days() }}", "{{ delete_restaged_pairs() }}"],
        post_hook="{{ record_rebuilt_session_shops() }}"
    ) }}
    {%- else %}
    {{ config(pre_hook="{{ delete_restaged_pairs() }}") }}
    {%- endif %}
{%- endmacro %}

{#- Whether this run of fct_sessions replaces the rows of an earlier build, which its
    pre-hook then compares (D64, D82): an incremental run, or a rebuild as a table (Spark,
    D28) of an earlier table, without --full-refresh. Read before the rows change. -#}
{% macro replaces_earlier_sessions() -%}
    {%- if model.config.materialized == 'incremental' -%}
    {{ return(is_incremental_run()) }}
    {%- endif -%}
    {{ return(this is not none and not flags.FULL_REFRESH and load_relation(this) is not none) }}
{%- endmacro %}

{#- The post-hook of fct_sessions: on a full build (a first or --full-refresh build of the
    incremental model; --full-refresh of the table it is on Spark), every shop it holds,
    from before_all_history_date(), so a daily mart not rebuilt in the same run rebuilds
    whole on its next run (D64). -#}
{% macro record_rebuilt_session_shops() -%}
    {%- if not is_incremental_run() and (model.config.materialized == 'incremental' or flags.FULL_REFRESH) -%}
    insert into {{ lineage_relation('session_day_changes') }} (shop_id, date_day, changed_at)
    select distinct
        shop_id,
        {{ before_all_history_date() }} as date_day,
        {{ staged_at() }} as changed_at
    from {{ this }}
    {%- endif -%}
{%- endmacro %}

{#- The pre-hook of fct_sessions, before its rows change (D64): records in
    meta.session_day_changes, with the run's start, every (shop_id, date_day) whose
    sessions the run changes: each session of a recomputed pair that is new, gone or
    different in any column, on the day it had and on the day it has now. Nothing on full
    builds (record_rebuilt_session_shops). Also the day before the UTC day of
    every message staged since fct_sessions' last build, for the marts that read messages
    themselves (a late manual reply outside any session still counts in an agent's
    workload); and a shop whose time zone changed (D65) from before_all_history_date():
    its local days and hours all move. On Spark too (D82), where fct_sessions may be a
    table rebuilt whole: replaces_earlier_sessions. -#}
{% macro record_changed_session_days() -%}
    {%- if execute and replaces_earlier_sessions() -%}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
    insert into {{ lineage_relation('session_day_changes') }} (shop_id, date_day, changed_at)
    with
    recomputed_pairs as (
        {{ changed_pairs('last_message_at', ref('int_shops__timezones')) }}
    ),
    old_sessions as (
        select {{ columns | join(', ') }}
        from {{ this }}
        where (shop_id, buyer_key) in (select shop_id, buyer_key from recomputed_pairs)
    ),
    new_sessions as (
        select {{ columns | join(', ') }}
        from {{ ref('int_sessions__outcomes') }}
        where (shop_id, buyer_key) in (select shop_id, buyer_key from recomputed_pairs)
    ),
    differing as (
        select
            old_sessions.shop_id as old_shop_id,
            old_sessions.date_day as old_date_day,
            new_sessions.shop_id as new_shop_id,
            new_sessions.date_day as new_date_day
        from old_sessions
        full outer join new_sessions on old_sessions.session_id = new_sessions.session_id
        where old_sessions.session_id is null or new_sessions.session_id is null
            {%- for column in columns %}
            or old_sessions.{{ column }} is distinct from new_sessions.{{ column }}
            {%- endfor %}
    ),
    changed_days as (
        select old_shop_id as shop_id, old_date_day as date_day from differing where old_shop_id is not null
        union
        select new_shop_id as shop_id, new_date_day as date_day from differing where new_shop_id is not null
    )
    select shop_id, date_day, {{ staged_at() }} as changed_at
    from changed_days
    union
    select shop_id, {{ before_all_history_date() }} as date_day, {{ staged_at() }} as changed_at
    from ({{ rezoned_shops(ref('int_shops__timezones')) }}) as rezoned
    union
    select distinct shop_id, {{ add_days('cast(sent_at as date)', -1) }} as date_day, {{ staged_at() }} as changed_at
    from {{ ref('base_chat__messages') }}
    where staged_at > {{ model_last_built_at() }} and shop_id is not null and sent_at is not null
    {%- endif -%}
{%- endmacro %}

{#- The pre-hook of pair_incremental_config (nothing on full builds). -#}
{% macro delete_restaged_pairs() -%}
    {%- if is_incremental_run() and target.type != 'spark' -%}
    {%- set last_built = model_last_built_at() -%}
    delete from {{ this }}
    where (shop_id, buyer_key) in (
        {%- for table in pair_base_models() %}
        select shop_id, buyer_key from {{ ref(table[0]) }} where staged_at > {{ last_built }}
        {{ 'union' if not loop.last }}
        {%- endfor %}
    )
    {%- endif -%}
{%- endmacro %}

{#- The delete key of a base row: its trimmed id, with '' for a missing one. -#}
{% macro id_key(id_expression) -%}
    coalesce({{ id_expression }}, '')
{%- endmacro %}

{#- Whether a raw id differs from its id_key: missing, empty, or with spaces around it
    (what clean_text's trim removes on every engine). -#}
{% macro is_untidy_raw_id(id_column) -%}
    ({{ id_column }} is null or {{ id_column }} = '' or {{ id_column }} like ' %' or {{ id_column }} like '% ')
{%- endmacro %}

{#-
  Daily marts and reports incremental by shop and day (D31, D64): a run rebuilds every
  shop's days from the mart's latest day less rebuilt_days_back() (what a session still
  open or awaiting its reply can reach), and a shop's earlier days whose sessions changed
  since the mart's own last build, as fct_sessions' pre-hook records them in
  meta.session_day_changes. Both bounds come from the mart's own table and last build, so
  a mart left out of some runs rebuilds more, never less.
-#}

{#- How many days before a mart's latest day a run rebuilds for every shop. -#}
{% macro rebuilt_days_back() -%}
    {%- set seconds = (incremental_lookback_seconds() | float) + ([
        session_timeout_seconds() | float,
        response_window_seconds() | float,
        rating_window_seconds() | float
    ] | max) -%}
    {{ return(((seconds / 86400) | round(0, 'ceil') | int) + 1) }}
{%- endmacro %}

{#- The day before every day of any history: an empty mart rebuilds from it, and so does a
    shop that a mart rebuilds whole. -#}
{% macro before_all_history_date() -%}
    cast('1900-01-01' as date)
{%- endmacro %}

{#- The first day every shop rebuilds: the latest `own_day_column` of the mart's own
    table less rebuilt_days_back(); an empty table gives before_all_history_date(). -#}
{% macro rebuilt_floor_date(own_day_column) -%}
    (
        select coalesce(
            {{ add_days('max(' ~ own_day_column ~ ')', -rebuilt_days_back()) }},
            {{ before_all_history_date() }}
        )
        from {{ this }}
    )
{%- endmacro %}

{#- The (shop_id, date_day) whose sessions changed since the mart's last build, as the
    pre-hook of fct_sessions recorded them (record_changed_session_days, D64). -#}
{% macro changed_session_days() -%}
    select
        shop_id,
        date_day
    from {{ lineage_relation('session_day_changes') }}
    where changed_at > {{ model_last_built_at() }}
{%- endmacro %}

{#- Every shop a run rebuilds, with its first rebuilt day: the floor for a shop with rows
    built on or after it, the first day whose sessions changed since the mart's last build
    (changed_session_days: a late or re-judged row, a session kept open, a late rating,
    a changed time zone), and before_all_history_date() for the shops of `whole_shops`
    (SQL selecting shop_id), if given. Reads the mart's own table and
    meta.session_day_changes, no model. -#}
{% macro rebuilt_shops(own_day_column, whole_shops=none) -%}
    {%- set floor = rebuilt_floor_date(own_day_column) -%}
    select
        shop_id,
        min(first_rebuilt_date) as first_rebuilt_date
    from (
        select
            shop_id,
            {{ floor }} as first_rebuilt_date
        from {{ this }}
        where {{ own_day_column }} >= {{ floor }}
        group by shop_id
        union all
        select
            shop_id,
            min(date_day) as first_rebuilt_date
        from ({{ changed_session_days() }}) as changed_days
        group by shop_id
        {%- if whole_shops %}
        union all
        select
            shop_id,
            {{ before_all_history_date() }} as first_rebuilt_date
        from ({{ whole_shops }}) as whole_shops
        {%- endif %}
    ) as first_days
    group by shop_id
{%- endmacro %}

{#- The condition of the rows a daily run rebuilds: `shop` and `day` (SQL of the row,
    qualified, as the test is correlated) on or after the shop's first rebuilt day
    (rebuilt_shops); on Spark, where a partition is a day, `day` on or after the first
    rebuilt day of every shop (spark_first_rebuilt_date, D81); true on full builds. The
    plain comparison with a lower bound of every shop's first day (the floor, or an
    earlier changed day) drops most rows before the per-shop join, without a second
    rebuilt_shops. Not under an OR, so PostgreSQL plans the EXISTS as one semi-join. -#}
{% macro is_rebuilt_day(shop, day, own_day_column='date_day') -%}
    {%- if is_incremental_run() and target.type == 'spark' -%}
    {{ day }} >= {{ spark_first_rebuilt_date(own_day_column) }}
    {%- elif is_incremental_run() -%}
    {%- set floor = rebuilt_floor_date(own_day_column) -%}
    ({{ day }} >= least({{ floor }}, coalesce((select min(date_day) from ({{ changed_session_days() }}) as changed_days), {{ floor }}))
    and exists (
        select 1
        from ({{ rebuilt_shops(own_day_column) }}) as rebuilt_shops
        where rebuilt_shops.shop_id = {{ shop }} and {{ day }} >= rebuilt_shops.first_rebuilt_date
    ))
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

{#- The days a report reads on a run, from `days` (a relation of shop_id and date_day):
    each day it rebuilds, and each day that a rebuilt day up to `reach_days` later reads
    (a moving average, a rolling window, a period); `is_rebuilt` says which it writes.
    `whole_shops` (SQL selecting shop_id) names shops it rebuilds from their first day.
    On Spark the same days for every shop (spark_first_rebuilt_date, D81). Every day on
    full builds. -#}
{% macro rebuilt_days_with_reach(days, reach_days, own_day_column='date_day', whole_shops=none) -%}
    {%- if is_incremental_run() and target.type == 'spark' -%}
    {%- set first_rebuilt_date = spark_first_rebuilt_date(own_day_column, whole_shops) -%}
    select
        shop_id,
        date_day,
        date_day >= {{ first_rebuilt_date }} as is_rebuilt
    from {{ days }}
    where {{ add_days('date_day', reach_days) }} >= {{ first_rebuilt_date }}
    {%- elif is_incremental_run() -%}
    select
        reached_days.shop_id,
        reached_days.date_day,
        reached_days.date_day >= rebuilt_shops.first_rebuilt_date as is_rebuilt
    from {{ days }} as reached_days
    inner join ({{ rebuilt_shops(own_day_column, whole_shops) }}) as rebuilt_shops
        on reached_days.shop_id = rebuilt_shops.shop_id
    where {{ add_days('reached_days.date_day', reach_days) }} >= rebuilt_shops.first_rebuilt_date
    {%- else -%}
    select
        shop_id,
        date_day,
        true as is_rebuilt
    from {{ days }}
    {%- endif -%}
{%- endmacro %}

{#- A cheap condition, before a local day is known, that holds for every UTC time whose
    local day a run may rebuild (a day of slack for time-zone offsets); every time on
    full builds. -#}
{% macro may_be_rebuilt_time(timestamp, own_day_column='date_day') -%}
    {%- if is_incremental_run() and target.type == 'spark' -%}
    {{ timestamp }} >= cast({{ add_days(spark_first_rebuilt_date(own_day_column), -1) }} as timestamp)
    {%- elif is_incremental_run() -%}
    {{ timestamp }} >= cast({{ add_days(
        '(select min(first_rebuilt_date) from (' ~ rebuilt_shops(own_day_column) ~ ') as rebuilt_shops)', -1) }} as timestamp)
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

{#- The config of the daily marts and reports (D31): incremental, rebuilding the days
    that is_rebuilt_day or rebuilt_days_with_reach select, `day_column` being the mart's
    day. -#}
{% macro rebuilt_days_config(day_column) -%}
    {{ return(adapter.dispatch('rebuilt_days_config', 'service_analytics')(day_column)) }}
{%- endmacro %}

{#- The strategy rebuilt_days (below) on the shop and the day. -#}
{% macro default__rebuilt_days_config(day_column) -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='rebuilt_days',
        unique_key=['shop_id', day_column],
        on_schema_change='fail'
    ) }}
{%- endmacro %}

{#- Spark (D81): a Parquet table partitioned by the day, whose rebuilt days dbt-spark's
    insert_overwrite replaces (dynamic: the days of the output); the pre-hook first drops
    them all, so a day left with no row loses its old ones. -#}
{% macro spark__rebuilt_days_config(day_column) -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='insert_overwrite',
        partition_by=[day_column],
        file_format='parquet',
        on_schema_change='fail',
        pre_hook="{{ drop_rebuilt_days('" ~ day_column ~ "') }}"
    ) }}
{%- endmacro %}

{#- Spark (D81): the first day a daily run rebuilds, for every shop (a partition is a
    day): the earliest of the floor (rebuilt_floor_date), the first day whose sessions
    changed since the mart's last build (changed_session_days) and, when `whole_shops`
    selects a shop, before_all_history_date(); as text 'YYYY-MM-DD'. Read when the model
    is compiled, before its pre-hook drops days (drop_rebuilt_days), its own table's
    latest day perhaps among them. -#}
{% macro spark_first_rebuilt_day(own_day_column, whole_shops=none) -%}
    {%- set query -%}
    select cast(least(
        floor_day.first_day,
        coalesce(changed_day.first_day, floor_day.first_day)
        {%- if whole_shops %},
        coalesce(whole_shop_day.first_day, floor_day.first_day)
        {%- endif %}
    ) as {{ dbt.type_string() }})
    from (select {{ rebuilt_floor_date(own_day_column) }} as first_day) as floor_day
    cross join (
        select min(date_day) as first_day from ({{ changed_session_days() }}) as changed_days
    ) as changed_day
    {%- if whole_shops %}
    cross join (
        select min({{ before_all_history_date() }}) as first_day from ({{ whole_shops }}) as whole_shops
    ) as whole_shop_day
    {%- endif %}
    {%- endset -%}
    {{ return((run_query(query).columns[0].values()[0] | string)[:10] if execute else '1900-01-01') }}
{%- endmacro %}

{#- spark_first_rebuilt_day as a date. -#}
{% macro spark_first_rebuilt_date(own_day_column, whole_shops=none) -%}
    cast('{{ spark_first_rebuilt_day(own_day_column, whole_shops) }}' as date)
{%- endmacro %}

{#- The pre-hook of the daily marts on Spark (D81): drops every day of the mart's table
    from the run's first rebuilt day (spark_first_rebuilt_date, without whole_shops: a day
    loses all its rows only when its sessions changed, which that day covers), since
    insert_overwrite replaces only the days of its output and a day whose only session was
    quarantined later would keep its old rows. Nothing on full builds. -#}
{% macro drop_rebuilt_days(day_column) -%}
    {%- if execute and is_incremental_run() -%}
    {%- set first_day = spark_first_rebuilt_day(day_column) -%}
    {%- set dropped = [] -%}
    {%- for partition in run_query('show partitions ' ~ this).columns[0].values() -%}
    {%- set day = partition.split('=', 1)[1] -%}
    {%- if day >= first_day -%}
    {%- do dropped.append("partition (" ~ day_column ~ " = '" ~ day ~ "')") -%}
    {%- endif -%}
    {%- endfor -%}
    {%- if dropped -%}
    alter table {{ this }} drop if exists {{ dropped | join(', ') }}
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- The incremental strategy `rebuilt_days`, unique_key [shop column, day column]: dbt's
    delete+insert deletes only the keys of the new rows, so a rebuilt day left with none
    (its sessions quarantined later) would keep its old rows. This first deletes every
    day is_rebuilt_day selects (the condition reads the table before the delete, as the
    model's select did), then runs dbt's delete+insert. -#}
{% macro get_incremental_rebuilt_days_sql(arg_dict) -%}
    {%- set shop_column, day_column = arg_dict['unique_key'] -%}
    delete from {{ arg_dict['target_relation'] }} as replaced_rows
    where {{ is_rebuilt_day('replaced_rows.' ~ shop_column, 'replaced_rows.' ~ day_column, day_column) }};

    {{ get_incremental_delete_insert_sql(arg_dict) }}
{%- endmacro %}

{#- on-run-end, after record_raw_deliveries (D94): deletes from meta.session_day_changes
    the rows no daily mart reads again, those recorded at or before the last build of
    every mart that reads them (changed_session_days reads only rows after the mart's
    own last build, model_last_built_at). Nothing while one of those marts has no build
    recorded. Spark keeps them: its Parquet tables cannot delete rows, and the table
    stays small beside the marts (a row per changed shop-day and run). -#}
{% macro prune_session_day_changes() %}
    {% if not execute or not lineage_applies() or target.type == 'spark' %}{{ return('') }}{% endif %}
    {% set readers = [] %}
    {% for node in graph.nodes.values() if node.resource_type == 'model' and node.config.get('incremental_strategy') == 'rebuilt_days' %}
        {% do readers.append(node.alias) %}
    {% endfor %}
    {% set changes, builds = lineage_relation('session_day_changes'), lineage_relation('model_builds') %}
    {% if not readers or not (session_day_tables_exist(changes, builds)) %}{{ return('') }}{% endif %}
    {% set read_by_none = "changed_at <= (select case when count(distinct model_name) = " ~ readers | length
        ~ " then min(built_at) end from " ~ builds ~ " where model_name in ('" ~ readers | join("', '") ~ "'))" %}
    {% if run_query("select count(*) from " ~ changes ~ " where " ~ read_by_none).columns[0].values()[0] == 0 %}{{ return('') }}{% endif %}
    {% do lineage_execute("delete from " ~ changes ~ " where " ~ read_by_none) %}
    {{ return('') }}
{% endmacro %}

{#- Whether meta.session_day_changes and meta.model_builds exist: from the catalogue (the
    hooks create them, dbt's cache does not see them). -#}
{% macro session_day_tables_exist(changes, builds) %}
    {{ return(lineage_table_exists(changes.identifier) and lineage_table_exists(builds.identifier)) }}
{% endmacro %}
