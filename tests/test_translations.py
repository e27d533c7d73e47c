import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_message_is_translated(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "untranslated" not in result.stderr, result.stderr
    assert "fuzzy" not in result.stderr, result.stderr


def test_the_english_catalog_says_what_the_code_says():
    """English is the msgid: an English msgstr that differs is a stale fuzzy match."""
    import re

    po = (LOCALE / "en" / "LC_MESSAGES" / "django.po").read_text()
    pairs = re.findall(r'^msgid "(.+)"\nmsgstr "(.*)"\n(?!")', po, flags=re.MULTILINE)
    assert pairs
    assert [(i, s) for i, s in pairs if i != s] == []
