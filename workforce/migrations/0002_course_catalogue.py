from django.db import migrations

from workforce.catalogue import COURSES, ensure_catalogue


def add_courses(apps, schema_editor):
    ensure_catalogue(apps.get_model("workforce", "TrainingCourse"))


def remove_courses(apps, schema_editor):
    TrainingCourse = apps.get_model("workforce", "TrainingCourse")
    TrainingCourse.objects.filter(code__in=[c[0] for c in COURSES], completions__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("workforce", "0001_staff_and_training")]
    operations = [migrations.RunPython(add_courses, remove_courses)]
