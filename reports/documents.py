"""Issuing official documents: who issues them, their number, their verification code.

A document is laid out once, with its verification code and a QR code of the public page
that confirms it; the SHA-256 of the bytes is then stored beside it. Anyone holding the PDF
can check on that page that it is the one the portal issued, unaltered. Documents are in
Vietnamese whatever the language of the person who asks for them.
"""

import hashlib
import secrets
from dataclasses import dataclass

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from accounts.models import Role
from schools import policy
from schools.models import AdministrativeUnit, School

from .models import IssuedDocument
from .pdf import render_pdf

# 80 random bits in Crockford's base 32, grouped by four: easy to read out and type.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def normalise_code(text: str) -> str:
    """What a person typed, as stored: capitals, O read as 0, I and L as 1, grouped."""
    raw = "".join(c for c in text.upper() if c.isalnum())
    raw = raw.translate(str.maketrans("OIL", "011"))
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def verify_url(code: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("public:verify", args=[code])


def qr_svg(url: str) -> str:
    """The QR code of `url` as inline SVG (no file, nothing fetched)."""
    return mark_safe(segno.make(url, error="m").svg_inline(scale=3, border=2))


def province_of(unit: AdministrativeUnit) -> AdministrativeUnit:
    top = unit.path.split("/", 1)[0] + "/"
    return AdministrativeUnit.objects.filter(path=top).first() or unit


# Level words that official documents drop from a place name ("Phường Hồng Bàng" is
# written "Hồng Bàng"), unless what is left is only a number ("Phường 1").
PLACE_PREFIXES = (
    "Thành phố ",
    "Tỉnh ",
    "Quận ",
    "Huyện ",
    "Thị xã ",
    "Phường ",
    "Xã ",
    "Thị trấn ",
)


def place_name(unit: AdministrativeUnit) -> str:
    """The place of issue as documents write it: the official name of the unit where the
    issuing agency sits, without its level ("Hải Phòng", "Hồng Bàng")."""
    for prefix in PLACE_PREFIXES:
        if unit.name.startswith(prefix):
            rest = unit.name.removeprefix(prefix)
            return unit.name if rest.isdigit() else rest
    return unit.name


def in_text(unit: AdministrativeUnit) -> str:
    """A unit's name within a sentence: its level word in lower case ("Ủy ban nhân dân
    phường Hồng Bàng", "thành phố Hải Phòng")."""
    for prefix in PLACE_PREFIXES:
        if unit.name.startswith(prefix):
            return prefix.lower() + unit.name.removeprefix(prefix)
    return unit.name


def date_parts(day) -> dict:
    """Day, month and year as Decree 30 writes them: a leading zero for days below 10 and
    for months 1 and 2 ("ngày 05 tháng 02 năm 2026", "ngày 15 tháng 11 năm 2026")."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return {"d": f"{day.day:02d}", "m": month, "y": str(day.year)}


def abbreviation(name: str) -> str:
    """A school's abbreviation in document symbols: "Trường THCS Hồng Bàng" → "THCSHB"
    (words in capitals kept whole, the others by their initial)."""
    words = name.removeprefix("Trường ").split()
    letters = "".join(w if w.isupper() else w[0].upper() for w in words if w[0].isalpha())
    return letters[:12] or "TRUONG"


class IssuerKind:
    DEPARTMENT = "department"
    COMMITTEE = "committee"
    SCHOOL = "school"


@dataclass
class Issuer:
    """The agency in the document's top-left corner, and who signs for it."""

    kind: str  # IssuerKind
    key: str  # what document numbers count within
    parent: str  # the line above the agency (capitals)
    name: str  # the issuing agency (capitals, bold)
    title: str  # the same in running text: "Sở Giáo dục và Đào tạo"
    abbreviation: str  # in the symbol: BC-SGDĐT
    place: str
    # To whom it reports: the city's People's Committee, the Department, or the school's
    # managing authority (in running text).
    superior: str

    def signature(self, user) -> list[str]:
        """The signature block's lines above the name, as Decree 30 forms them from the
        signer's position: "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC", "TM. ỦY BAN NHÂN DÂN / CHỦ
        TỊCH", "HIỆU TRƯỞNG". A position not recorded is not invented: the block then says
        only on whose behalf the document is signed."""
        position = " ".join(user.position.split())
        folded = position.lower()
        if self.kind == IssuerKind.SCHOOL:
            return [(position or _("Principal")).upper()]
        if self.kind == IssuerKind.DEPARTMENT:
            if folded == "giám đốc":
                return [_("DIRECTOR")]
            deputy = folded.startswith("phó giám đốc")
            lines = [_("P.P. DIRECTOR") if deputy else _("B.O. DIRECTOR")]
        else:
            lines = [_("ON BEHALF OF THE PEOPLE'S COMMITTEE")]
            if folded == "chủ tịch":
                return [*lines, _("CHAIRPERSON")]
            if folded.startswith("phó chủ tịch"):
                lines.append(_("P.P. CHAIRPERSON"))
        if position:
            lines.append(position.upper())
        return lines


def _committee_unit(user, school: School | None) -> AdministrativeUnit | None:
    units = policy.scope_units(user).order_by("path")
    if school is not None:
        for unit in units:
            if school.unit.path.startswith(unit.path):
                return unit
    return units.first()


def managing_authority(school: School) -> str:
    """The school's managing authority, in running text."""
    if school.managed_by_department:
        return _("Department of Education and Training")
    return _("People's Committee of %(unit)s") % {"unit": in_text(school.unit)}


def issuer_for(user, *, school: School | None = None, unit=None) -> Issuer:
    """The agency a user issues documents for: the Department, their People's Committee
    or their school. Called with Vietnamese active (documents are in Vietnamese)."""
    anchor = school.unit if school else unit
    if anchor is None:
        anchor = policy.scope_units(user).order_by("path").first()
    if anchor is None:
        anchor = AdministrativeUnit.objects.filter(parent=None).order_by("path").first()
    province = province_of(anchor)
    city = place_name(province)
    department = _("Department of Education and Training")
    if user.role == Role.COMMITTEE:
        own = _committee_unit(user, school) or anchor
        return Issuer(
            kind=IssuerKind.COMMITTEE,
            key=f"unit:{own.pk}",
            parent="",
            name=_("PEOPLE'S COMMITTEE OF %(unit)s") % {"unit": own.name.upper()},
            title=_("People's Committee of %(unit)s") % {"unit": in_text(own)},
            abbreviation="UBND",
            place=place_name(own),
            superior=department,
        )
    if user.role == Role.PRINCIPAL and school is not None:
        parent = (
            _("DEPARTMENT OF EDUCATION AND TRAINING OF %(city)s") % {"city": city.upper()}
            if school.managed_by_department
            else _("PEOPLE'S COMMITTEE OF %(unit)s") % {"unit": school.unit.name.upper()}
        )
        return Issuer(
            kind=IssuerKind.SCHOOL,
            key=f"school:{school.pk}",
            parent=parent,
            name=school.name.upper(),
            title=school.name,
            abbreviation=abbreviation(school.name),
            place=place_name(school.unit),
            superior=managing_authority(school),
        )
    return Issuer(
        kind=IssuerKind.DEPARTMENT,
        key="department",
        parent=_("PEOPLE'S COMMITTEE OF %(unit)s") % {"unit": province.name.upper()},
        name=_("DEPARTMENT OF EDUCATION AND TRAINING"),
        title=department,
        abbreviation="SGDĐT",
        place=city,
        superior=_("People's Committee of %(unit)s") % {"unit": in_text(province)},
    )


def issue(
    *,
    kind: str,
    template: str,
    context: dict,
    issuer: Issuer,
    prefix: str,
    title: str,
    user,
    dated=None,
    inspection=None,
) -> IssuedDocument:
    """Lay out `template` as the next document of `issuer` and keep it with its checksum.

    `prefix` is the kind of document in the symbol (BC for a report, KL for a conclusion);
    `dated` the date it bears (today by default; a conclusion bears the day it was signed).
    The number is the next free one of the issuer's year; two documents issued at the same
    moment cannot take the same number (a constraint; the loser retries). Two requests for
    the conclusion of one `inspection` at the same moment give one document (a constraint
    too): the loser returns the winner's."""
    code = new_code()
    now = timezone.now()
    day = dated or timezone.localdate(now)
    year = day.year
    symbol = f"{prefix}-{issuer.abbreviation}"
    for _attempt in range(5):
        number = (
            IssuedDocument.objects.filter(
                issuer_key=issuer.key, year=year, symbol=symbol
            ).aggregate(n=Max("number"))["n"]
            or 0
        ) + 1
        document = IssuedDocument(
            code=code,
            kind=kind,
            number=number,
            symbol=symbol,
            year=year,
            issuer=issuer.name,
            issuer_key=issuer.key,
            title=title,
            issued_at=now,
            issued_by=user,
            inspection=inspection,
        )
        with translation.override("vi"):
            # What the fetcher refused is logged by it; nothing refused is in the PDF.
            pdf, _refused = render_pdf(
                template,
                {
                    **context,
                    "issuer": issuer,
                    "reference": document.reference,
                    "issued_at": timezone.localtime(now),
                    "issued_on": date_parts(day),
                    "verification_code": code,
                    "verification_url": verify_url(code),
                    "qr": qr_svg(verify_url(code)),
                },
            )
        document.checksum = hashlib.sha256(pdf).hexdigest()
        document.size = len(pdf)
        document.file.save(f"{code}.pdf", ContentFile(pdf), save=False)
        try:
            with transaction.atomic():
                document.save()
        except IntegrityError:
            document.file.delete(save=False)
            if inspection is not None:
                issued = IssuedDocument.objects.filter(inspection=inspection).first()
                if issued is not None:
                    return issued
            continue
        return document
    raise RuntimeError("No free document number after five attempts.")
