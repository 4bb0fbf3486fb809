{#- Fails for every value of `column` that appears with more than one value of `parent`
    (a hierarchy where a child has two parents would double count in roll-ups). -#}
{% test single_parent(model, column, parent) %}
    select {{ column }}, count(distinct {{ parent }}) as parents
    from {{ model }}
    group by {{ column }}
    having count(distinct {{ parent }}) > 1
{% endtest %}
