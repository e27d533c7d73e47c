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


def place_name(province: AdministrativeUnit) -> str:
    """The place of issue as documents write it: "Hải Phòng", not "Thành phố Hải Phòng"."""
    name = province.name
    for prefix in ("Thành phố ", "Tỉnh "):
        name = name.removeprefix(prefix)
    return name


def date_parts(day) -> dict:
    """Day, month and year as Decree 30 writes them: a leading zero for days below 10 and
    for months 1 and 2 ("ngày 05 tháng 02 năm 2026", "ngày 15 tháng 11 năm 2026")."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return {"d": f"{day.day:02d}", "m": month, "y": str(day.year)}


@dataclass
class Issuer:
    """The agency in the document's top-left corner, and who signs for it."""

    key: str  # what document numbers count within
    parent: str  # the line above the agency (capitals)
    name: str  # the issuing agency (capitals, bold)
    abbreviation: str  # in the symbol: BC-SGDĐT
    place: str
    sign_authority: str  # "KT. GIÁM ĐỐC"; empty when the head signs in person
    sign_title: str  # "PHÓ GIÁM ĐỐC", "HIỆU TRƯỞNG"


def _committee_unit(user, school: School | None) -> AdministrativeUnit | None:
    units = policy.scope_units(user).order_by("path")
    if school is not None:
        for unit in units:
            if school.unit.path.startswith(unit.path):
                return unit
    return units.first()


def issuer_for(user, *, school: School | None = None, unit=None) -> Issuer:
    """The agency a user issues documents for: the Department, their People's Committee
    or their school."""
    anchor = school.unit if school else unit
    if anchor is None:
        anchor = policy.scope_units(user).order_by("path").first()
    if anchor is None:
        anchor = AdministrativeUnit.objects.filter(parent=None).order_by("path").first()
    province = province_of(anchor)
    place = place_name(province)
    with translation.override("vi"):
        if user.role == Role.COMMITTEE:
            own = _committee_unit(user, school) or anchor
            return Issuer(
                key=f"unit:{own.pk}",
                parent=_("PEOPLE'S COMMITTEE OF %(unit)s") % {"unit": province.name.upper()},
                name=_("PEOPLE'S COMMITTEE OF %(unit)s") % {"unit": own.name.upper()},
                abbreviation="UBND",
                place=place,
                sign_authority=_("P.P. CHAIRPERSON"),
                sign_title=_("VICE-CHAIRPERSON"),
            )
        if user.role == Role.PRINCIPAL and school is not None:
            parent = (
                _("DEPARTMENT OF EDUCATION AND TRAINING OF %(city)s") % {"city": place.upper()}
                if school.managed_by_department
                else _("PEOPLE'S COMMITTEE OF %(unit)s") % {"unit": school.unit.name.upper()}
            )
            return Issuer(
                key=f"school:{school.pk}",
                parent=parent,
                name=school.name.upper(),
                abbreviation=school.moet_code,
                place=place,
                sign_authority="",
                sign_title=_("PRINCIPAL"),
            )
        return Issuer(
            key="department",
            parent=_("PEOPLE'S COMMITTEE OF %(unit)s") % {"unit": province.name.upper()},
            name=_("DEPARTMENT OF EDUCATION AND TRAINING"),
            abbreviation="SGDĐT",
            place=place,
            sign_authority=_("P.P. DIRECTOR"),
            sign_title=_("DEPUTY DIRECTOR"),
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
) -> IssuedDocument:
    """Lay out `template` as the next document of `issuer` and keep it with its checksum.

    `prefix` is the kind of document in the symbol (BC for a report, KL for a conclusion).
    The number is the next free one of the issuer's year; two documents issued at the same
    moment cannot take the same number (a constraint; the loser retries)."""
    code = new_code()
    now = timezone.now()
    year = timezone.localdate(now).year
    symbol = f"{prefix}-{issuer.abbreviation}"
    for _attempt in range(5):
        number = (
            IssuedDocument.objects.filter(
                issuer_key=issuer.key, year=year, symbol=symbol
            ).aggregate(n=Max("number"))["n"]
            or 0
        ) + 1
        with translation.override("vi"):
            pdf, _refused = render_pdf(
                template,
                {
                    **context,
                    "issuer": issuer,
                    "number": number,
                    "symbol": symbol,
                    "issued_at": timezone.localtime(now),
                    "issued_on": date_parts(timezone.localdate(now)),
                    "verification_code": code,
                    "verification_url": verify_url(code),
                    "qr": qr_svg(verify_url(code)),
                },
            )
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
            checksum=hashlib.sha256(pdf).hexdigest(),
            size=len(pdf),
        )
        document.file.save(f"{code}.pdf", ContentFile(pdf), save=False)
        try:
            with transaction.atomic():
                document.save()
        except IntegrityError:
            document.file.delete(save=False)
            continue
        return document
    raise RuntimeError("No free document number after five attempts.")
