import datetime

from django.db import migrations


def add_circular_29(apps, schema_editor):
    RulePolicy = apps.get_model("tutoring", "RulePolicy")
    RulePolicy.objects.get_or_create(
        in_force_from=datetime.date(2025, 2, 14),
        defaults={
            "name": "Thông tư 29/2024/TT-BGDĐT",
            "legal_reference": "Thông tư 29/2024/TT-BGDĐT ngày 30/12/2024",
            "weekly_period_cap": 2,
            "class_size_limit": 45,
            "final_grades": [9, 12],
            "primary_categories": ["arts", "sport", "life_skills"],
        },
    )


class Migration(migrations.Migration):
    dependencies = [("tutoring", "0001_initial")]

    operations = [migrations.RunPython(add_circular_29, migrations.RunPython.noop)]
