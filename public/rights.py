"""The page on families' rights: its text until the Department first changes it, and how
any text of it is shown.

The Department writes plain text, not HTML: a paragraph per block of lines, ``## `` before
a heading, ``- `` before each item of a list. Everything is escaped, so the page can never
carry a script or a link the Department did not mean (the links to the complaint form and
the status lookup are the page's own, outside the text).
"""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .models import RightsPage


def default_text() -> str:
    """The text the portal ships with, in the current language."""
    sections = [
        _("## Taking part is voluntary"),
        _(
            "Extra tutoring and linked programmes are never compulsory. A student takes part "
            "only if they need and want it and a parent or guardian agrees; no one may push a "
            "family to join in any form. A family that says nothing has not agreed."
        ),
        _("## Tutoring in school is free, and for whom"),
        _(
            "- Tutoring organised by the school is free: the school may not collect any money "
            "for it.\n"
            "- It is only for students whose result in a subject at the end of the previous "
            'term was "not achieved", for students the school selects for gifted-student '
            "training, and for students of the final grade (grade 9, grade 12) who volunteer "
            "for exam review.\n"
            "- At most 2 periods a week per subject, never between the lessons of the main "
            "timetable, never teaching ahead of the programme.\n"
            "- Primary pupils are not tutored, except in arts, physical education and sport, "
            "and life skills."
        ),
        _("## You may decline or withdraw at any time"),
        _(
            "You may say no to any tutoring class or linked programme, and withdraw an "
            "agreement you gave at any time: online in this portal, or on paper at the "
            "school. Declining or withdrawing has no consequence for your child's marks, "
            "assessment, seat or treatment in class. You pay only the fee that was "
            "announced, and nothing once you have withdrawn."
        ),
        _("## What schools may not do"),
        _(
            "- Make a tutoring class or a linked programme compulsory, or a condition of "
            "anything, or push families to join in any form.\n"
            "- Schedule tutoring or a linked programme within the main timetable.\n"
            "- Collect money for tutoring in school, or any fee that was not announced.\n"
            "- Run a linked programme without the managing authority's approval, or take new "
            "registrations for one the authority has suspended.\n"
            "- Use the results of a linked programme for marks, ranking or discipline.\n"
            "- Let teachers tutor for a fee, outside school, the students the school has "
            "assigned them to teach."
        ),
        _("## Legal references"),
        _(
            "- Circular 29/2024/TT-BGDĐT on extra teaching and learning (Articles 3, 4 and 5), "
            "in force since 14/02/2025.\n"
            "- Circular 04/2014/TT-BGDĐT on life-skills and extracurricular education.\n"
            "- The city's directives on extra tutoring and on education partnerships in "
            "schools.\n"
            "- Law on Personal Data Protection 91/2025/QH15, for your child's data."
        ),
        _("## How to complain"),
        _(
            "If your child was pushed to join, charged what was not announced, or treated "
            "differently for saying no, tell the authority that manages the school. You can "
            "complain online without an account, even anonymously, and follow the answer "
            "with the code you are given."
        ),
    ]
    return "\n\n".join(sections)


def current_text(language: str) -> tuple[str, RightsPage | None]:
    """The text shown in ``language``, and the version it comes from (None: the default)."""
    page = RightsPage.current(language)
    return (page.body, page) if page is not None else (default_text(), None)


def render(text: str) -> SafeString:
    """The text as HTML: headings, lists and paragraphs, everything else escaped."""
    html = []
    # A heading is a block of its own, even when the next line follows it directly.
    text = re.sub(r"^(## .*)$", r"\n\1\n", text.replace("\r\n", "\n"), flags=re.MULTILINE)
    for block in text.split("\n\n"):
        lines = [line.strip() for line in block.strip().split("\n") if line.strip()]
        if not lines:
            continue
        if len(lines) == 1 and lines[0].startswith("## "):
            html.append(f"<h2>{escape(lines[0][3:].strip())}</h2>")
        elif all(line.startswith("- ") for line in lines):
            items = "".join(f"<li>{escape(line[2:].strip())}</li>" for line in lines)
            html.append(f"<ul>{items}</ul>")
        else:
            html.append(f"<p>{escape(' '.join(lines))}</p>")
    return mark_safe("\n".join(html))  # noqa: S308 (every piece of text is escaped above)
