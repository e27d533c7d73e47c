"""The schools app's models: the registry (units, schools, years, people) and the
activities that schools offer outside the main curriculum, which tutoring classes and linked
programmes extend, with their schedules, enrolments and consent events; and the one-time
invitations with which parents open their accounts; and the outbox of e-mails."""

from .activities import (
    Activity,
    ActivityEvent,
    ActivitySlot,
    ConsentEvent,
    Enrollment,
    MainSession,
    SubjectResult,
    Weekday,
)
from .invitations import ParentInvitation
from .outbox import OutgoingEmail
from .registry import (
    LEVEL_GRADES,
    AdministrativeUnit,
    Guardian,
    Guardianship,
    ImportBatch,
    School,
    SchoolLevel,
    SchoolUserObjectPermission,
    SchoolYear,
    Sex,
    StaffMember,
    Student,
    Subject,
    TeachingAssignment,
    Term,
    UnitUserObjectPermission,
)

__all__ = [
    "LEVEL_GRADES",
    "Activity",
    "ActivityEvent",
    "ActivitySlot",
    "AdministrativeUnit",
    "ConsentEvent",
    "Enrollment",
    "Guardian",
    "Guardianship",
    "ImportBatch",
    "MainSession",
    "OutgoingEmail",
    "ParentInvitation",
    "School",
    "SchoolLevel",
    "SchoolUserObjectPermission",
    "SchoolYear",
    "Sex",
    "StaffMember",
    "Student",
    "Subject",
    "SubjectResult",
    "TeachingAssignment",
    "Term",
    "UnitUserObjectPermission",
    "Weekday",
]
