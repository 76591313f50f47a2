"""The training catalogue and the councils' requirement sets, as data.

`COURSES` names every course the portal tracks, with a default refresh interval (used only for a
provider that works with no council that has set its own requirements, and for a completion's
`expires_on` as recorded). `REQUIREMENT_SETS` are the councils' own training requirements, each
course with its refresh interval and how soon after starting it must be done, as their
specifications say; `apply_requirement_set()` gives one to a council (the demo does; a council
can also set its own through the API). Loaded by data migrations; `ensure_catalogue()` restores
the courses (tests that flush tables call it)."""

# (code, name, default refresh months or None, due within months of start or None, mandatory)
COURSES = [
    ("medication", "Managing medication", 24, None, True),
    ("communication", "Communication skills (verbal and non-verbal)", None, None, True),
    ("moving-handling", "Assisting and moving (moving and handling)", 24, None, True),
    ("challenging-behaviour", "Understanding challenging behaviour", 12, None, True),
    ("first-aid", "First aid", 36, None, True),
    ("food-hygiene", "Food hygiene (level 2)", 36, None, True),
    ("safeguarding-adults", "Safeguarding adults", 24, None, True),
    ("safeguarding-children", "Safeguarding children", 24, None, True),
    ("personal-care", "Providing personal care", None, None, True),
    ("risk-assessment", "Risk assessment and management", None, None, True),
    ("mca", "Mental Capacity Act", 24, None, True),
    ("long-term-conditions", "Understanding long-term conditions", None, None, True),
    ("mca-dols", "Mental Capacity Act and Deprivation of Liberty Safeguards (MCA and DoLS)", 24, 6, True),
    ("dementia-delirium", "Delirium in dementia and understanding dementia", None, None, True),
    ("data-protection", "Data protection and record keeping", 24, None, True),
    ("falls", "Falls prevention and management", None, None, True),
    ("dementia-friends", "Dementia Friends", None, 9, False),
    ("infection-control", "Infection prevention and control", None, None, True),
    ("health-safety", "Health and safety", None, None, True),
    ("equality-diversity", "Equalities and diversity awareness", None, None, True),
    ("basic-life-support", "Basic life support", None, None, True),
    # Not in the default: only a council's requirement makes these due (Derby's [002 §6.1]).
    ("care-certificate", "Care Certificate", None, None, False),
    ("supervision", "Supervision", None, None, False),
    ("development-plan", "Personal and professional development plan", None, None, False),
]

# set code -> (where it comes from, [(course code, refresh months or None, due within months or None)])
REQUIREMENT_SETS: dict[str, tuple[str, list[tuple[str, int | None, int | None]]]] = {
    # Derby's 19 mandatory courses with their update intervals; the Care Certificate for new
    # staff (12 weeks is the Care Certificate's own standard: taken as 3 months); professional
    # supervision at least monthly; a development plan assessed annually [002 §6.1].
    "derby-002": (
        "[002 §6.1]",
        [
            ("medication", 24, None),
            ("communication", None, None),
            ("moving-handling", 24, None),
            ("challenging-behaviour", 12, None),
            ("equality-diversity", None, None),
            ("first-aid", 36, None),
            ("food-hygiene", 36, None),
            ("health-safety", None, None),
            ("safeguarding-adults", 24, None),
            ("safeguarding-children", 24, None),
            ("personal-care", None, None),
            ("risk-assessment", None, None),
            ("mca", 24, None),
            ("long-term-conditions", None, None),
            ("infection-control", None, None),
            ("dementia-delirium", None, None),
            ("data-protection", 24, None),
            ("falls", None, None),
            ("basic-life-support", None, None),
            ("care-certificate", None, 3),
            ("supervision", 1, None),
            ("development-plan", 12, None),
        ],
    ),
    # Dorset's framework: safeguarding training within three months of starting and updated at
    # least annually [003 §12.10-11].
    "dorset-003": ("[003 §12.10-11]", [("safeguarding-adults", 12, 3)]),
    # Norfolk's KPIs: MCA and DoLS within 6 months of starting, Dementia Friends within 9
    # [004 App. 4].
    "norfolk-004": ("[004 App. 4]", [("mca-dols", None, 6), ("dementia-friends", None, 9)]),
}


def ensure_catalogue(course_model=None) -> None:
    if course_model is None:
        from .models import TrainingCourse as course_model
    for code, name, refresh, due, mandatory in COURSES:
        course_model.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "refresh_months": refresh,
                "due_within_months_of_start": due,
                "mandatory": mandatory,
            },
        )


def apply_requirement_set(
    commissioner, set_code: str, lot=None, requirement_model=None, course_model=None
) -> int:
    """Give a council (or one of its lots) a requirement set; returns how many rows were new.
    Idempotent: a requirement already held is brought in line with the set."""
    if requirement_model is None:
        from .models import TrainingRequirement as requirement_model
    if course_model is None:
        from .models import TrainingCourse as course_model
    source, rows = REQUIREMENT_SETS[set_code]
    courses = {c.code: c for c in course_model.objects.filter(code__in=[r[0] for r in rows])}
    created = 0
    for code, refresh, due in rows:
        _req, new = requirement_model.objects.update_or_create(
            commissioner=commissioner,
            lot=lot,
            course=courses[code],
            defaults={"refresh_months": refresh, "due_within_months_of_start": due, "source": source},
        )
        created += new
    return created
