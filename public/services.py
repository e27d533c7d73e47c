from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from schools import policy

from .models import RightsPage


@transaction.atomic
def rights_page_update(*, actor, language: str, body: str) -> RightsPage:
    """A new version of the rights page in ``language``; the earlier ones stay."""
    if not policy.can(actor, "rights.edit"):
        raise PermissionDenied
    body = body.replace("\r\n", "\n").strip()
    page = RightsPage(language=language, body=body, changed_by=actor)
    page.full_clean()
    current = RightsPage.current(language)
    if current is not None and current.body == body:
        raise ValidationError({"body": _("The text is the same as the page shown now.")})
    page.save()
    audit_record(
        actor=actor,
        action="rights_page_update",
        obj=page,
        summary=_("Rights page changed (%(language)s)") % {"language": language},
        language=language,
        length=len(body),
    )
    return page
