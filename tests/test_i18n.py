"""The Spanish catalogue is complete, compiled, and in step with the code."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "es" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def _entries(path: Path) -> dict[tuple[str | None, str], polib.POEntry]:
    return {(e.msgctxt, e.msgid): e for e in polib.pofile(str(path)) if not e.obsolete}


def test_every_message_has_a_spanish_translation():
    missing = [e.msgid for e in polib.pofile(str(PO)) if not e.obsolete and (
        not e.translated() or "fuzzy" in e.flags)]
    assert missing == []


def test_compiled_catalogue_matches_the_po_file():
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in polib.mofile(str(MO))}
    for key, entry in _entries(PO).items():
        assert compiled.get(key) == (entry.msgstr, entry.msgstr_plural), key


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is needed to extract messages")
def test_catalogue_is_not_stale(tmp_path):
    """Every marked string in the code is in the committed catalogue (run `make messages`)."""
    copy = tmp_path / "mesa"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(
        ".venv", "var", ".git", "__pycache__", "test-artifacts", "node_modules"))
    env = {"DJANGO_DEBUG": "1", "DATABASE_URL": "postgres://unused/unused", "REDIS_URL": "redis://unused",
           "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "manage.py", "makemessages", "--locale", "es", "--no-obsolete",
               "--ignore", "tests/*", "--ignore", "scripts/*"]
    subprocess.run(command, cwd=copy, env=env, check=True, capture_output=True)
    fresh = set(_entries(copy / "locale" / "es" / "LC_MESSAGES" / "django.po"))
    committed = set(_entries(PO))
    assert fresh - committed == set(), "run `make messages` and translate the new strings"
