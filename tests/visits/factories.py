"""Visit factory: give the order and the scheduled start; the rest is derived like the services do."""

import datetime as dt
from zoneinfo import ZoneInfo

import factory

from tests.factories import FillsDerived
from tests.packages_of_care.factories import OrderFactory
from visits.models import Visit, VisitStatus

LONDON = ZoneInfo("Europe/London")


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    """An aware Europe/London datetime."""
    return dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=LONDON)


class VisitFactory(FillsDerived, factory.django.DjangoModelFactory):
    """VisitFactory(order=o, scheduled_start=at(day, 8), minutes=45, status=VisitStatus.COMPLETED)
    — completed and shortened visits get actuals equal to the schedule unless given."""

    class Meta:
        model = Visit
        exclude = ["minutes"]

    order = factory.SubFactory(OrderFactory)
    minutes = 60
    scheduled_start = factory.LazyAttribute(lambda v: at(v.order.start_date, 8))
    scheduled_end = factory.LazyAttribute(lambda v: v.scheduled_start + dt.timedelta(minutes=v.minutes))
    carer_reference = "CARER-1"
    status = VisitStatus.COMPLETED
    actual_start = factory.LazyAttribute(
        lambda v: (
            v.scheduled_start
            if v.status in (VisitStatus.COMPLETED, VisitStatus.SHORTENED_BY_SERVICE_USER)
            else None
        )
    )
    actual_end = factory.LazyAttribute(lambda v: v.scheduled_end if v.actual_start is not None else None)
    # Filled by fill_derived() in FillsDerived._create.
    provider = None
    commissioner = None
    visit_date = None
    scheduled_minutes = 0
