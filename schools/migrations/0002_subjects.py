from django.db import migrations

# Subjects and educational activities of the 2018 general education programme.
SUBJECTS = [
    ("toan", "Toán"),
    ("ngu-van", "Ngữ văn"),
    ("tieng-viet", "Tiếng Việt"),
    ("tieng-anh", "Tiếng Anh"),
    ("vat-ly", "Vật lý"),
    ("hoa-hoc", "Hóa học"),
    ("sinh-hoc", "Sinh học"),
    ("khtn", "Khoa học tự nhiên"),
    ("lich-su", "Lịch sử"),
    ("dia-ly", "Địa lý"),
    ("lich-su-dia-ly", "Lịch sử và Địa lý"),
    ("gdcd", "Giáo dục công dân"),
    ("gdktpl", "Giáo dục kinh tế và pháp luật"),
    ("tin-hoc", "Tin học"),
    ("cong-nghe", "Công nghệ"),
    ("gdtc", "Giáo dục thể chất"),
    ("am-nhac", "Âm nhạc"),
    ("my-thuat", "Mỹ thuật"),
    ("hdtn", "Hoạt động trải nghiệm, hướng nghiệp"),
    ("ky-nang-song", "Kỹ năng sống"),
    ("dao-duc", "Đạo đức"),
    ("tu-nhien-xa-hoi", "Tự nhiên và Xã hội"),
    ("khoa-hoc", "Khoa học"),
]


def add_subjects(apps, schema_editor):
    Subject = apps.get_model("schools", "Subject")
    for code, name in SUBJECTS:
        Subject.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("schools", "0001_initial")]

    operations = [migrations.RunPython(add_subjects, migrations.RunPython.noop)]
