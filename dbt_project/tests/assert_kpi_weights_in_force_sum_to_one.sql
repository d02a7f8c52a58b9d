-- SPEC 9.2: for every owner and as-of date the weights in force sum to 1, after the weight
-- rules moved them (the extractor refuses a sheet whose own rows do not).
select
    owner_type,
    owner_id,
    as_of_date,
    sum(weight) as weight_total
from {{ ref('int_kpi_weights_as_of') }}
group by owner_type, owner_id, as_of_date
having abs(sum(weight) - 1) > 0.0005
