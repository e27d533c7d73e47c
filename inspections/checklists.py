"""The default checklist, drawn from the rules the portal checks (REGULATIONS.md): every
question carries its legal reference. The Department replaces it with a new version in the
admin; a question once answered is never deleted."""

from django.db import transaction

from .models import ChecklistQuestion, ChecklistTemplate, Scope

CIRCULAR_29 = "Thông tư 29/2024/TT-BGDĐT"
DIRECTIVE = "Chỉ thị của UBND thành phố về dạy thêm, học thêm và liên kết giáo dục"

# (scope, question, legal basis), in the order they are asked. Stored in Vietnamese, the
# language of the records, as the rule breaches are.
DEFAULT_QUESTIONS = [
    (
        Scope.TUTORING,
        "Nhà trường có kế hoạch dạy thêm theo từng môn, từng khối lớp, được công khai?",
        f"{CIRCULAR_29}, Điều 5 khoản 3",
    ),
    (
        Scope.TUTORING,
        "Học sinh học thêm trong trường đều thuộc ba đối tượng được phép "
        "(chưa đạt, bồi dưỡng học sinh giỏi, ôn thi cuối cấp)?",
        f"{CIRCULAR_29}, Điều 5 khoản 1",
    ),
    (
        Scope.TUTORING,
        "Mỗi môn học thêm trong trường không quá 2 tiết mỗi tuần?",
        f"{CIRCULAR_29}, Điều 5 khoản 4",
    ),
    (
        Scope.TUTORING,
        "Lịch học thêm không xen giữa các tiết của thời khóa biểu chính khóa và không dạy "
        "trước chương trình?",
        f"{CIRCULAR_29}, Điều 5",
    ),
    (
        Scope.TUTORING,
        "Không tổ chức dạy thêm cho học sinh tiểu học (trừ nghệ thuật, thể dục thể thao, "
        "kỹ năng sống)?",
        f"{CIRCULAR_29}, Điều 4 khoản 1",
    ),
    (
        Scope.TUTORING,
        "Giáo viên dạy thêm ngoài nhà trường đã báo cáo Hiệu trưởng (mẫu 03) và không dạy "
        "thêm có thu tiền học sinh mình được phân công dạy?",
        f"{CIRCULAR_29}, Điều 4 khoản 2, Điều 7",
    ),
    (
        Scope.FEES,
        "Dạy thêm trong nhà trường không thu tiền của học sinh?",
        f"{CIRCULAR_29}, Điều 5 khoản 2",
    ),
    (
        Scope.FEES,
        "Mức thu của chương trình liên kết đúng như đã được phê duyệt và công khai, không "
        "thu thêm khoản nào khác?",
        f"{DIRECTIVE}; công khai, giải trình (P6)",
    ),
    (
        Scope.PROGRAMMES,
        "Mỗi chương trình liên kết đang thực hiện đều đã được cấp có thẩm quyền phê duyệt?",
        "Thông tư 04/2014/TT-BGDĐT; chỉ thị của thành phố (P2)",
    ),
    (
        Scope.PROGRAMMES,
        "Chương trình liên kết được tổ chức ngoài giờ học chính khóa?",
        f"{DIRECTIVE} (P3)",
    ),
    (
        Scope.PROGRAMMES,
        "Giáo viên nước ngoài của đơn vị liên kết có giấy phép lao động còn hiệu lực?",
        "Nghị định 152/2020/NĐ-CP (P4)",
    ),
    (
        Scope.CONSENT,
        "Mỗi học sinh tham gia đều có đơn tự nguyện hoặc sự đồng ý của cha mẹ cho đúng "
        "điều kiện hiện hành?",
        f"{CIRCULAR_29}, Điều 3; {DIRECTIVE} (P1)",
    ),
    (
        Scope.CONSENT,
        "Không có dấu hiệu ép buộc học sinh tham gia (kết quả học tập, xếp lớp, gửi danh "
        "sách sẵn cho cha mẹ ký)?",
        f"{CIRCULAR_29}, Điều 3; {DIRECTIVE} (P1)",
    ),
    (
        Scope.STUDENTS,
        "Kết quả chương trình liên kết không dùng để đánh giá, xếp loại hay kỷ luật học sinh?",
        "Dự thảo của Bộ GD&ĐT về giáo dục tăng cường theo nhu cầu (P3)",
    ),
    (
        Scope.STUDENTS,
        "Danh sách học sinh tham gia, học sinh xin rút được nhà trường quản lý, lưu đầy đủ?",
        f"{CIRCULAR_29}, Điều 5; {DIRECTIVE}",
    ),
]

DEFAULT_TITLE = "Danh mục kiểm tra dạy thêm, học thêm và liên kết giáo dục"
DEFAULT_VERSION = "2025.1"


@transaction.atomic
def ensure_default_checklist() -> ChecklistTemplate:
    """The checklist in use, made from ``DEFAULT_QUESTIONS`` if there is none yet."""
    current = ChecklistTemplate.current()
    if current is not None:
        return current
    template, _created = ChecklistTemplate.objects.get_or_create(
        title=DEFAULT_TITLE, version=DEFAULT_VERSION, defaults={"is_active": True}
    )
    for order, (scope, text, reference) in enumerate(DEFAULT_QUESTIONS, start=1):
        ChecklistQuestion.objects.get_or_create(
            template=template,
            order=order,
            defaults={"scope": scope, "text": text, "reference": reference},
        )
    return template


def questions_for(inspection):
    """The questions of the inspection's checklist within its scope, in order."""
    if inspection.checklist_id is None:
        return ChecklistQuestion.objects.none()
    return inspection.checklist.questions.filter(scope__in=inspection.scopes).order_by("order")
