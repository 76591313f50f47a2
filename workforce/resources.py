"""Spreadsheet uploads of staff and training completions (django-import-export).

One validation path for the upload preview (a dry run) and the save: every row is checked
against the provider's own staff, schemes and the course catalogue, loaded once per upload (no
query per row); one bad row saves nothing; a row that is already held unchanged is skipped, so
the same file uploaded twice saves once. Errors name the spreadsheet row (the header is row 1)
and the column.
"""

import datetime as dt
import io
from dataclasses import dataclass, field

import tablib
from django.core.exceptions import ValidationError
from django.utils import timezone
from import_export import fields, resources, widgets
from import_export.formats import base_formats
from import_export.instance_loaders import BaseInstanceLoader

from portal import audit
from portal.uploads.columns import ParseError, parse_date
from portal.uploads.limits import XlsxTooLarge, check_xlsx

from .models import DbsLevel, DbsWorkforce, StaffMember, TrainingCompletion, TrainingCourse
from .selectors import course_rules_for
from .services import VETTING_FIELDS, check_vetting, provider_schemes

FORMATS = {"csv": base_formats.CSV, "xlsx": base_formats.XLSX}
MAX_UPLOAD_BYTES = 5 * 1024 * 1024

#: The staff columns: the vetting columns are optional (a file without them changes none of them).
STAFF_COLUMNS = ["reference", "job_title", "scheme", "started_on", "left_on", *VETTING_FIELDS]
VETTING_DATES = [f for f in VETTING_FIELDS if f.endswith("_on")]


def _choices(choices: type[DbsLevel] | type[DbsWorkforce]) -> dict:
    """A choice cell accepts the stored value or the label (case-insensitive)."""
    return {str(v).lower(): v for v in choices.values} | {str(c.label).lower(): c.value for c in choices}


TRAINING_COLUMNS = ["staff_reference", "course", "completed_on"]


class UploadError(Exception):
    """The file itself cannot be read (wrong format, missing columns…)."""


class DateCell(widgets.Widget):
    """A date written as 2026-03-01, 01/03/2026 or 1 Mar 2026, or a spreadsheet date."""

    def __init__(self, required=False):
        super().__init__()
        self.required = required

    def clean(self, value, row=None, **kwargs):
        try:
            day = parse_date(value)
        except ParseError as exc:
            raise ValueError(f"“{exc.value}” is not a date: write it as 2026-03-01 or 01/03/2026.") from None
        if day is None and self.required:
            raise ValueError("Give a date.")
        return day

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class TextCell(widgets.CharWidget):
    def __init__(self, required=False, max_length=None):
        super().__init__()
        self.required = required
        self.max_length = max_length

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if text.endswith(".0") and text[:-2].isdigit():
            text = text[:-2]  # a number typed into a spreadsheet cell
        if self.required and not text:
            raise ValueError("This cannot be empty.")
        if self.max_length and len(text) > self.max_length:
            raise ValueError(f"Use at most {self.max_length} characters.")
        return text


class LookupCell(widgets.Widget):
    """Looks a value up in a dictionary loaded once per upload (case-insensitive)."""

    def __init__(self, choices: dict, missing: str, required=True):
        super().__init__()
        self.choices = choices
        self.missing = missing
        self.required = required

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if text.endswith(".0") and text[:-2].isdigit():
            text = text[:-2]
        if not text:
            if self.required:
                raise ValueError("This cannot be empty.")
            return None
        found = self.choices.get(text.lower())
        if found is None:
            raise ValueError(self.missing.format(value=text))
        return found

    def render(self, value, obj=None, **kwargs):
        return str(value) if value is not None else ""


class PreloadedInstanceLoader(BaseInstanceLoader):
    """Finds existing records by the resource's natural key from a dict the resource built once."""

    def get_instance(self, row):
        return self.resource.existing_for(row)


@dataclass
class RowProblem:
    row: int  # spreadsheet row, the header being row 1
    column: str
    message: str

    def __str__(self) -> str:
        if not self.row:
            return self.message
        where = f"row {self.row}" + (f", column “{self.column}”" if self.column else "")
        return f"{where.capitalize()}: {self.message}"


@dataclass
class UploadSummary:
    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        return len({p.row for p in self.problems if p.row})

    @property
    def ok(self) -> bool:
        return not self.problems


class ProviderResource(resources.ModelResource):
    """Base for a provider's uploads: the provider and the acting user are fixed, not read from the file."""

    columns: list[str] = []
    required_columns: list[str] = []

    class Meta:
        # Existing rows come from a dict built once per upload; unchanged rows are skipped, and
        # the rest written in bulk.
        instance_loader_class = PreloadedInstanceLoader
        skip_unchanged = True
        report_skipped = True
        use_bulk = True
        batch_size = 2000
        clean_model_instances = False
        store_instance = True

    def __init__(self, *, provider, actor):
        self.provider = provider
        self.actor = actor
        self.today = timezone.localdate()
        self.problems_by_row: dict[int, list[RowProblem]] = {}
        super().__init__()

    # The file as a whole ---------------------------------------------------------------------

    def check_headers(self, dataset):
        headers = [str(h or "").strip().lower() for h in (dataset.headers or [])]
        dataset.headers = headers
        missing = [c for c in self.required_columns if c not in headers]
        if missing:
            raise UploadError(
                f"The file has no {', '.join(repr(c) for c in missing)} column: the first row must name "
                f"the columns {', '.join(self.columns)}."
            )

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.message_dict
        extra = self.check_row(instance, row, errors, **kwargs)
        for name, message in extra.items():
            errors.setdefault(name, []).append(message)
        if errors:
            raise ValidationError(errors)

    def check_row(self, instance, row, errors, **kwargs) -> dict:
        return {}

    #: {import type: the audit trail's verb} for the rows saved
    audit_actions: dict[str, str] = {}

    def before_audit(self, instances) -> None:
        """Anything the records need before the audit trail reads them."""

    def after_import(self, dataset, result, **kwargs):
        if kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors():
            return
        for import_type, action in self.audit_actions.items():
            saved = [r.instance for r in result.rows if r.import_type == import_type]
            self.before_audit(saved)
            audit.record_many(actor=self.actor, objects=saved, action=action)

    def spreadsheet_row(self, kwargs) -> int:
        return kwargs["row_number"] + 1


def summarise(result, columns_by_attribute: dict[str, str]) -> UploadSummary:
    """Counts and named problems from an import-export Result."""
    summary = UploadSummary(
        read=result.total_rows,
        new=result.totals["new"],
        updated=result.totals["update"],
        unchanged=result.totals["skip"],
    )
    for invalid in result.invalid_rows:
        for name, messages in invalid.error_dict.items():
            column = columns_by_attribute.get(name, "" if name == "__all__" else name)
            for message in messages:
                summary.problems.append(RowProblem(invalid.number + 1, column, message))
    for number, errors in result.row_errors():
        for error in errors:
            summary.problems.append(RowProblem(number + 1, "", f"could not be saved ({error.error})"))
    for error in result.base_errors:
        summary.problems.append(RowProblem(0, "", f"The upload could not be saved ({error.error})."))
    summary.problems.sort(key=lambda p: (p.row, p.column))
    return summary


class StaffResource(ProviderResource):
    """Columns: reference, job_title, scheme (its name), started_on, left_on, and the optional
    vetting columns: dbs_level, dbs_workforce (value or label), and the dates of the DBS
    certificate, the update service check, the two references, the right to work check and its
    end, and the ASC-WDS record's last update `[002 §6.1]`, `[003 §7.4, §9.2]`."""

    columns = STAFF_COLUMNS
    required_columns = ["reference", "started_on"]

    reference = fields.Field(attribute="reference", column_name="reference", widget=TextCell(True, 40))
    job_title = fields.Field(attribute="job_title", column_name="job_title", widget=TextCell(False, 100))
    started_on = fields.Field(
        attribute="started_on", column_name="started_on", widget=DateCell(required=True)
    )
    left_on = fields.Field(attribute="left_on", column_name="left_on", widget=DateCell())

    class Meta(ProviderResource.Meta):
        model = StaffMember
        fields = STAFF_COLUMNS
        import_id_fields = ["reference"]
        batch_size = 1000

    def __init__(self, *, provider, actor):
        super().__init__(provider=provider, actor=actor)
        schemes = {s.name.lower(): s for s in provider_schemes(provider)}
        for name in VETTING_DATES:
            self.fields[name] = fields.Field(attribute=name, column_name=name, widget=DateCell())
        self.fields["dbs_level"] = fields.Field(
            attribute="dbs_level",
            column_name="dbs_level",
            widget=LookupCell(
                _choices(DbsLevel),
                "“{value}” is not a DBS level: basic, standard, enhanced or enhanced_barred.",
                required=False,
            ),
        )
        self.fields["dbs_workforce"] = fields.Field(
            attribute="dbs_workforce",
            column_name="dbs_workforce",
            widget=LookupCell(
                _choices(DbsWorkforce),
                "“{value}” is not a DBS workforce: adult, child or adult_child.",
                required=False,
            ),
        )
        self.fields["scheme"] = fields.Field(
            attribute="scheme",
            column_name="scheme",
            widget=LookupCell(
                schemes,
                "There is no scheme called “{value}” among the schemes you provide care in.",
                required=False,
            ),
        )

    def before_import(self, dataset, **kwargs):
        # One query: a provider's staff number in the hundreds, not the millions.
        self.existing = {s.reference.lower(): s for s in StaffMember.objects.filter(provider=self.provider)}
        self.seen_refs: dict[str, int] = {}

    def existing_for(self, row):
        ref = str(row.get("reference") or "").strip()
        if ref.endswith(".0") and ref[:-2].isdigit():
            ref = ref[:-2]
        return self.existing.get(ref.lower())

    def init_instance(self, row=None):
        return StaffMember(provider=self.provider)

    def check_row(self, instance, row, errors, **kwargs):
        problems = {}
        number = self.spreadsheet_row(kwargs)
        ref = (instance.reference or "").lower()
        if ref and "reference" not in errors:
            if ref in self.seen_refs:
                problems["reference"] = (
                    f"Reference {instance.reference} is also on row {self.seen_refs[ref]}."
                )
            else:
                self.seen_refs[ref] = number
        if instance.started_on and instance.left_on and instance.left_on < instance.started_on:
            problems["left_on"] = "The leaving date is before the start date."
        if instance.started_on and instance.started_on > self.today + dt.timedelta(days=366):
            problems["started_on"] = "The start date is more than a year ahead."
        for choice in ("dbs_level", "dbs_workforce"):
            if getattr(instance, choice) is None:
                setattr(instance, choice, "")  # an empty optional cell
        try:
            check_vetting(instance)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                if name not in errors:
                    problems[name] = " ".join(messages)
        return problems

    audit_actions = {"new": "created (upload)", "update": "updated (upload)"}


class TrainingResource(ProviderResource):
    """Columns: staff_reference, course (its code or name), completed_on."""

    columns = TRAINING_COLUMNS
    required_columns = TRAINING_COLUMNS

    completed_on = fields.Field(
        attribute="completed_on", column_name="completed_on", widget=DateCell(required=True)
    )

    class Meta(ProviderResource.Meta):
        model = TrainingCompletion
        fields = TRAINING_COLUMNS
        import_id_fields = ["staff_reference", "course", "completed_on"]

    def __init__(self, *, provider, actor):
        super().__init__(provider=provider, actor=actor)
        self.staff = {s.reference.lower(): s for s in StaffMember.objects.filter(provider=provider)}
        # The intervals this provider is held to (its councils' requirements), for the expiry.
        self.rules = course_rules_for([provider.pk]).rules.get(provider.pk)
        courses = list(TrainingCourse.objects.all())
        self.courses = {c.code.lower(): c for c in courses} | {c.name.lower(): c for c in courses}
        self.fields["staff_reference"] = fields.Field(
            attribute="staff",
            column_name="staff_reference",
            widget=LookupCell(
                self.staff, "You have no member of staff with reference “{value}”: add them first."
            ),
        )
        self.fields["course"] = fields.Field(
            attribute="course",
            column_name="course",
            widget=LookupCell(self.courses, "There is no course “{value}” in the catalogue."),
        )

    def before_import(self, dataset, **kwargs):
        staff_ids = set()
        days = set()
        for row in dataset.dict:
            try:
                staff = self.fields["staff_reference"].clean(row)
                day = self.fields["completed_on"].clean(row)
            except ValueError:
                continue
            if staff is not None and day is not None:
                staff_ids.add(staff.pk)
                days.add(day)
        self.existing = (
            {
                (c.staff_id, c.course_id, c.completed_on): c
                for c in TrainingCompletion.objects.filter(staff_id__in=staff_ids, completed_on__in=days)
            }
            if staff_ids
            else {}
        )
        self.seen: dict[tuple, int] = {}

    def existing_for(self, row):
        try:
            staff = self.fields["staff_reference"].clean(row)
            course = self.fields["course"].clean(row)
            day = self.fields["completed_on"].clean(row)
        except ValueError:
            return None
        if staff is None or course is None or day is None:
            return None
        return self.existing.get((staff.pk, course.pk, day))

    def init_instance(self, row=None):
        return TrainingCompletion()

    def check_row(self, instance, row, errors, **kwargs):
        problems = {}
        number = self.spreadsheet_row(kwargs)
        if instance.completed_on and instance.completed_on > self.today:
            problems["completed_on"] = "The completion date is in the future."
        if not errors and instance.staff_id and instance.course_id and instance.completed_on:
            key = (instance.staff_id, instance.course_id, instance.completed_on)
            if key in self.seen:
                problems["__all__"] = f"The same completion is also on row {self.seen[key]}."
            else:
                self.seen[key] = number
        return problems

    def before_save_instance(self, instance, row, **kwargs):
        instance.fill_expiry(self.rules)

    audit_actions = {"new": "training recorded (upload)"}

    def before_audit(self, completions):
        # audit_parties() of a completion reads its staff's provider: every row is this provider's.
        for completion in completions:
            completion.staff.provider_id = self.provider.pk


RESOURCES = {"staff": StaffResource, "training": TrainingResource}
COLUMNS_BY_ATTRIBUTE = {
    "staff": {
        "reference": "reference",
        "job_title": "job_title",
        "scheme": "scheme",
        "started_on": "started_on",
        "left_on": "left_on",
        **{f: f for f in VETTING_FIELDS},
    },
    "training": {"staff": "staff_reference", "course": "course", "completed_on": "completed_on"},
}


def read_dataset(content: bytes, file_format: str):
    """A tablib Dataset from an uploaded file's bytes."""
    if file_format not in FORMATS:
        raise UploadError("Upload a CSV or an Excel (.xlsx) file.")
    if len(content) > MAX_UPLOAD_BYTES:
        raise UploadError("The file is larger than 5 MB: split it into smaller files.")
    fmt = FORMATS[file_format]()
    if file_format == "xlsx":
        try:
            check_xlsx(io.BytesIO(content))  # before openpyxl unpacks anything
        except XlsxTooLarge as exc:
            raise UploadError(str(exc)) from exc
    try:
        data = content.decode("utf-8-sig") if not fmt.is_binary() else content
        return fmt.create_dataset(data)
    except UnicodeDecodeError as exc:
        raise UploadError("The CSV file is not UTF-8 text: save it as “CSV UTF-8” and try again.") from exc
    except Exception as exc:  # noqa: BLE001 - any parser failure means the file cannot be read
        raise UploadError(f"The file could not be read as {file_format.upper()}: {exc}") from exc


def format_of(filename: str) -> str:
    name = filename.lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(".xlsx"):
        return "xlsx"
    raise UploadError("Upload a .csv or .xlsx file.")


def run_upload(
    *, kind: str, provider, actor, content: bytes, file_format: str, dry_run: bool
) -> UploadSummary:
    """Validate (dry run) or save an upload, all or nothing."""
    dataset = read_dataset(content, file_format)
    if len(dataset) == 0:
        raise UploadError("The file has no rows under its header.")
    resource = RESOURCES[kind](provider=provider, actor=actor)
    resource.check_headers(dataset)
    result = resource.import_data(
        dataset,
        dry_run=dry_run,
        use_transactions=True,
        rollback_on_validation_errors=True,
        raise_errors=False,
    )
    return summarise(result, COLUMNS_BY_ATTRIBUTE[kind])


def template_dataset(kind: str):
    """An empty upload template with its header row and one example row."""

    if kind == "staff":
        return tablib.Dataset(
            [
                "CW-0042",
                "Care worker",
                "",
                "2026-01-05",
                "",
                "enhanced",
                "adult",
                "2025-12-01",
                "2026-01-02",
                "2025-11-20",
                "2025-11-24",
                "2025-12-03",
                "",
                "2026-01-10",
            ],
            headers=STAFF_COLUMNS,
        )
    return tablib.Dataset(["CW-0042", "mca-dols", "2026-02-10"], headers=TRAINING_COLUMNS)
