from tests.matrix.routes import (
    COMMISSIONER,
    CROSS_SIDE,
    EVERYONE_SIGNED_IN,
    RECORDERS,
    RW_API,
    Route,
    api,
    on,
    pk,
)

ALL = EVERYONE_SIGNED_IN
STAFF = ("staff", "C1P1")
FORM = {"GET": RECORDERS, "POST": RECORDERS}

ROUTES = [
    Route("workforce:staff-list", {"GET": ALL}),
    Route("workforce:staff-create", FORM),
    Route("workforce:staff-upload", FORM),
    Route("workforce:training-upload", FORM),
    on("workforce:staff-detail", {"GET": ALL}, STAFF),
    on("workforce:staff-update", FORM, STAFF),
    on("workforce:training-create", FORM, STAFF),
    Route("workforce:training-matrix", {"GET": ALL}),
    Route(
        "workforce:upload-template",
        {"GET": RECORDERS},
        kwargs=lambda w: {"kind": "training", "format": "xlsx"},
    ),
    api("workforce-api:staff", writers=RECORDERS)[0],
    on(
        "workforce-api:staff-detail",
        {"GET": ALL, "PUT": RECORDERS | RW_API, "PATCH": RECORDERS | RW_API},
        STAFF,
        extra_ok=CROSS_SIDE,
    ),
    Route("workforce-api:training-course-list", {"GET": ALL}),
    Route("workforce-api:training-course-detail", {"GET": ALL}, kwargs=pk("course", "all")),
    *api("workforce-api:training-completion", ("training", "C1P1"), writers=RECORDERS),
    # Each council's training requirements and workforce standard: its public terms.
    *api(
        "workforce-api:training-requirement",
        ("training_requirement", "C1"),
        writers=COMMISSIONER,
        reference=True,
    ),
    *api(
        "workforce-api:workforce-standard", ("workforce_standard", "C1"), writers=COMMISSIONER, reference=True
    ),
]
