import datetime

from django.db import migrations


def add_fee_policy(apps, schema_editor):
    """The first fee parameters, in force since the city's 2024 directive: a student's
    programme fees above 1,500,000 ₫ a month, and a fee above twice the median of its kind,
    are flagged. The Department adds later versions in the admin."""
    FeePolicy = apps.get_model("partnerships", "FeePolicy")
    FeePolicy.objects.get_or_create(
        in_force_from=datetime.date(2024, 1, 1),
        defaults={"student_monthly_total": 1_500_000, "far_above_median": 2},
    )


class Migration(migrations.Migration):
    dependencies = [("partnerships", "0001_partners_and_programmes")]

    operations = [migrations.RunPython(add_fee_policy, migrations.RunPython.noop)]
