"""The day's grid (issue 16): a scheme's expected visits confirmed in one save, through the one
validation path; problems name the row and field and nothing is half-saved; the times typed
the short way; another provider's scheme offers nothing."""

import datetime as dt

import pytest
import time_machine

from portal.models import AuditEvent
from tests.packages_of_care.factories import add_version
from tests.visits.factories import at
from tests.visits.helpers import NOW, setup
from visits.models import Visit, VisitStatus
from visits.services import expected_visits_generate

pytestmark = [pytest.mark.django_db]

FRI = dt.date(2026, 5, 1)  # NOW is 12:00 BST that day
URL = "/visits/day/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def day():
    s = setup()
    scheme = s.contract.schemes.get()
    s.order.service_user.scheme, s.order.service_user.flat = scheme, "12"
    s.order.service_user.save()
    # Friday 08:00 for 45 min, 09:00 for 30 min, 10:30 for 30 min.
    add_version(
        s.order,
        dt.date(2026, 4, 27),
        "1.75",
        schedule=[(4, dt.time(8), 45), (4, dt.time(9), 30), (4, dt.time(10, 30), 30)],
    )
    expected_visits_generate(start=FRI, days=1)
    s.scheme = scheme
    s.visits = list(Visit.objects.order_by("scheduled_start"))
    return s


def _post(client, s, **cells):
    """All three rows as the page shows them (completed at the scheduled times), carers C1, C2,
    C3, with `cells` changed: {"2-carer_reference": "C9"}."""
    return client.post(URL, _data(s, **cells))


def _data(s, **cells):
    data = {"scheme": s.scheme.pk, "day_day": "1", "day_month": "5", "day_year": "2026"}
    for n, (v, carer) in enumerate(zip(s.visits, ("C1", "C2", "C3"), strict=True), start=1):
        start, end = (t.astimezone(at(FRI, 0).tzinfo) for t in (v.scheduled_start, v.scheduled_end))
        row = {"status": "completed", "actual_start": f"{start:%H:%M}", "actual_end": f"{end:%H:%M}",
               "carer_reference": carer, "second_carer_reference": "", "cancelled_at": ""}  # fmt: skip
        for key, value in cells.items():
            number, name = key.split("-", 1)
            if int(number) == n:
                row[name] = value
        data.update({f"v{v.pk}-{k}": val for k, val in row.items()})
    return data


def test_the_grid_shows_the_day_offered_as_completed(login, day):
    client = login(day.staff_user)
    page = client.get(URL, {"scheme": day.scheme.pk, "day_day": "1", "day_month": "5", "day_year": "2026"})
    text = page.content.decode()
    assert page.status_code == 200 and "3 visits" in text
    pk = day.visits[0].pk
    assert f'id="r1-actual_start" name="v{pk}-actual_start" type="text" value="08:00"' in text
    assert "flat 12" in text


def test_one_save_confirms_the_day(login, day):
    client = login(day.staff_user)
    response = _post(
        client,
        day,
        **{"3-status": "missed", "3-actual_start": "", "3-actual_end": "", "2-actual_end": "0925"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "Server-Timing" in response
    got = list(
        Visit.objects.order_by("scheduled_start").values_list("status", "carer_reference", "actual_minutes")
    )
    # Row 2: 09:00 to 09:25 typed as 0925 is 25 minutes; row 3 missed, no actuals.
    assert got == [("completed", "C1", 45), ("completed", "C2", 25), ("missed", "C3", None)]
    assert AuditEvent.objects.filter(action="updated", note="by the day's grid").count() == 3


def test_problems_name_row_and_field_and_nothing_is_saved(login, day):
    client = login(day.staff_user)
    response = _post(
        client, day, **{"2-carer_reference": "C9", "3-actual_end": "10:20", "1-actual_start": "8.7x"}
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "Nothing has been saved: 3 problems to correct" in text
    assert "Row 1, actual start: Enter the time as hours and minutes, for example 09:30." in text
    assert "Row 2, carer: No member of your staff has the reference C9." in text
    assert "Row 3, actual end: The actual end must be after the actual start." in text
    assert set(Visit.objects.values_list("status", flat=True)) == {VisitStatus.SCHEDULED}
    assert not AuditEvent.objects.filter(action="updated").exists()


def test_a_carer_in_two_rows_at_once_is_caught_across_rows(login, day):
    client = login(day.staff_user)
    response = _post(client, day, **{"2-carer_reference": "C1", "2-actual_start": "08:30"})
    text = response.content.decode()
    assert "Row 1, carer: Carer C1 is also on row 2" in text
    assert set(Visit.objects.values_list("carer_reference", flat=True)) == {""}


def test_another_providers_scheme_offers_nothing(login, day):
    other = setup(reference="ISO-2")
    client = login(other.staff_user)
    page = client.get(URL, {"scheme": day.scheme.pk, "day_day": "1", "day_month": "5", "day_year": "2026"})
    assert "Select a valid choice" in page.content.decode()
    _post(client, day)
    assert set(Visit.objects.values_list("status", flat=True)) == {VisitStatus.SCHEDULED}


def test_visits_yet_to_happen_are_left_as_they_are(login, day):
    later = Visit(
        order=day.order, scheduled_start=at(FRI, 15), scheduled_end=at(FRI, 15, 30), expected_start=at(FRI, 15),
        carer_reference="", status=VisitStatus.SCHEDULED, source="schedule",
    ).fill_derived()  # fmt: skip
    later.save()
    client = login(day.staff_user)
    page = client.get(URL, {"scheme": day.scheme.pk, "day_day": "1", "day_month": "5", "day_year": "2026"})
    text = page.content.decode()
    # Row 4 (15:00, after now) is not offered as completed and has no times.
    assert f'id="r4-actual_start" name="v{later.pk}-actual_start" type="text" value=""' in text
    blank = {
        f"v{later.pk}-{n}": ""
        for n in ("actual_start", "actual_end", "carer_reference", "second_carer_reference", "cancelled_at")
    }
    data = {**blank, f"v{later.pk}-status": "scheduled"}
    response = client.post(URL, {**_data(day), **data})
    assert response.status_code == 302
    later.refresh_from_db()
    assert (later.status, later.carer_reference) == ("scheduled", "")
    assert Visit.objects.filter(status="completed").count() == 3
