{#- The weights of a configuration table sum to 1 (within tolerance). -#}
{% test weights_sum_to_one(model, column_name, tolerance=0.0001) %}

select sum({{ column_name }}) as weight_total
from {{ model }}
having abs(sum({{ column_name }}) - 1) > {{ tolerance }}

{% endtest %}
