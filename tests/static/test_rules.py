"""test_rules.py: the source rules every file keeps, checked as tests: no banned functions,
clang-format clean, an opening comment on every file, and files under the size limit."""
import pathlib
import re
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOURCES = sorted(p for d in ("src", "tests/unit", "fuzz", "include")
                 for p in (ROOT / d).rglob("*.[ch]") if (ROOT / d).exists())
# Functions with a safer replacement that every C file must use instead.
BANNED = {
    "sprintf": "g_strdup_printf or g_snprintf",
    "vsprintf": "g_strdup_vprintf",
    "strcpy": "g_strlcpy or g_strdup",
    "strcat": "g_strlcat or GString",
    "gets": "fgets",
    "atoi": "vstor_parse_ull or g_ascii_strtoll with checks",
    "atol": "vstor_parse_ull or g_ascii_strtoll with checks",
    "atoll": "vstor_parse_ull or g_ascii_strtoll with checks",
    "system": "g_spawn with an argv array",
    "popen": "g_spawn with an argv array",
    "strtok": "g_strsplit",
    "tmpnam": "g_mkstemp",
    "mktemp": "g_mkstemp",
}
MAX_LINES = 800


def ids(paths):
    return [str(p.relative_to(ROOT)) for p in paths]


def strip_comments_and_strings(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    return re.sub(r'"(?:\\.|[^"\\])*"', '""', text)


def test_there_are_sources():
    assert len(SOURCES) > 10


@pytest.mark.parametrize("path", SOURCES, ids=ids(SOURCES))
def test_no_banned_functions(path):
    code = strip_comments_and_strings(path.read_text(encoding="utf-8"))
    found = [f"{name}() -> use {alt}" for name, alt in BANNED.items()
             if re.search(r"(?<![\w.>])" + name + r"\s*\(", code)]
    assert not found, f"{path.name} calls banned functions: {found}"


@pytest.mark.parametrize("path", SOURCES, ids=ids(SOURCES))
def test_opens_with_comment(path):
    first = path.read_text(encoding="utf-8").lstrip().splitlines()[0]
    assert first.startswith("/*"), f"{path.name} must open with a comment saying what it owns"


@pytest.mark.parametrize("path", SOURCES, ids=ids(SOURCES))
def test_file_size(path):
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= MAX_LINES, f"{path.name} has {n} lines; split it (limit {MAX_LINES})"


@pytest.mark.skipif(shutil.which("clang-format") is None, reason="clang-format not installed")
def test_clang_format_clean():
    src = [str(p) for p in SOURCES]
    out = subprocess.run(["clang-format", "--dry-run", "--Werror", *src],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr[:4000]
