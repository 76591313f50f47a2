"""The training catalogue the specifications name: Derby's mandatory courses with their refresh
intervals `[002 §6.1]`, Norfolk's MCA/DoLS within 6 months and Dementia Friends within 9 months
of starting `[004 App. 4]`. Loaded by a data migration; `ensure_catalogue()` restores it (tests
that flush tables call it)."""

# (code, name, refresh months or None, due within months of start or None, mandatory)
COURSES = [
    ("medication", "Managing medication", 24, None, True),
    ("moving-handling", "Assisting and moving (moving and handling)", 24, None, True),
    ("challenging-behaviour", "Understanding challenging behaviour", 12, None, True),
    ("first-aid", "First aid", 36, None, True),
    ("food-hygiene", "Food hygiene (level 2)", 36, None, True),
    ("safeguarding-adults", "Safeguarding adults", 24, None, True),
    ("safeguarding-children", "Safeguarding children", 24, None, True),
    ("mca", "Mental Capacity Act", 24, None, True),
    ("mca-dols", "Mental Capacity Act and Deprivation of Liberty Safeguards (MCA and DoLS)", 24, 6, True),
    ("data-protection", "Data protection and record keeping", 24, None, True),
    ("dementia-friends", "Dementia Friends", None, 9, False),
    ("infection-control", "Infection prevention and control", None, None, True),
    ("health-safety", "Health and safety", None, None, True),
    ("equality-diversity", "Equalities and diversity awareness", None, None, True),
    ("basic-life-support", "Basic life support", None, None, True),
]


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
