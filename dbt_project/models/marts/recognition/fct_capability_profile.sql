-- The capability profile (SPEC 9.4): one row per employee x skill with evidence. Evidence
-- = completed micro-feedback answers and passed training courses
-- (int_capability_evidence_unioned). Level: 1 with one piece of evidence, 2 with 2-4,
-- 3 with 5 or more (docs/recognition.md).
with

evidence as (

    select * from {{ ref('int_capability_evidence_unioned') }}

),

skills as (

    select
        skill_code,
        skill_name,
        skill_name_en
    from {{ ref('skills') }}

),

counted as (

    select
        employee_id,
        skill_code,
        count(*) as evidence_count,
        max(evidence_at) as last_evidence_at
    from evidence
    group by employee_id, skill_code

),

final as (

    select
        {{ concat_key(['counted.employee_id', 'counted.skill_code'], '|') }}
            as capability_id,
        counted.employee_id,
        counted.skill_code,
        coalesce(skills.skill_name, counted.skill_code) as skill_name,
        coalesce(skills.skill_name_en, skills.skill_name, counted.skill_code) as skill_name_en,
        counted.evidence_count,
        counted.last_evidence_at,
        case
            when counted.evidence_count >= 5 then 3
            when counted.evidence_count >= 2 then 2
            else 1
        end as level
    from counted
    left join skills
        on counted.skill_code = skills.skill_code

)

select * from final
