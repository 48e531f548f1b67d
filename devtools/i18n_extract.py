"""Finding the translatable strings in the source and keeping the .po catalogues in step.

``python -m devtools.i18n_extract extract`` runs Babel's Python extractor over kiosk/,
screens/ and drivers/ (for the device labels of the driver registry; not
reference_platform/, the demo platform, nor the tests), appends every message id the
catalogues lack — zh_CN with the id itself as the text, en with an empty text for a
translator to fill in — and lists what is still untranslated.
Existing entries, their order and their comments are kept as they are; entries no
longer found in the source are only reported (``--prune`` drops them).
``python -m devtools.i18n_extract extract --check`` changes nothing and exits 1 when anything is
missing or untranslated, an English text lost a ``{placeholder}``, or a call hides
inside an f-string. Then recompile with ``python -m devtools.i18n_extract compile``.

Strings translated through a variable (``_(FORMS[key])``) are invisible to the
extractor; mark their literals with ``N_("…")`` where they are defined.
"""

from __future__ import annotations

import re
import string
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.i18n import DOMAIN, LANGUAGES, LOCALE_DIR, compile_catalogs

PROJECT_ROOT = LOCALE_DIR.parent.parent
SOURCE_DIRS = ("kiosk", "screens", "drivers")
KEYWORDS = {"_": None, "N_": None, "tr": None, "tr2": None}
"""``tr``/``tr2`` are the attract screen's translators for the chosen and the other language."""
METHOD_MAP = [("reference/**", "ignore"), ("tests/**", "ignore"), ("**.py", "python")]
SOURCE_LANGUAGE = "zh_CN"
IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
"""A Chinese character (punctuation such as ，or ￥ alone is not a text to translate)."""
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def extract_messages(paths: Iterable[str | Path] = SOURCE_DIRS,
                     root: Path = PROJECT_ROOT) -> dict[str, list[str]]:
    """Every message id marked with ``_``/``N_`` (or ``tr``/``tr2``) under ``paths`` -> its ``file:line``s.

    Ids come in file and line order, so new catalogue entries read like the code.
    """
    from babel.messages.extract import extract_from_dir

    found: dict[str, list[str]] = {}
    for path in paths:
        base = Path(root, path)
        results = extract_from_dir(str(base), method_map=METHOD_MAP, keywords=KEYWORDS)
        for filename, lineno, message, _comments, _context in sorted(results, key=lambda r: (r[0], r[1])):
            if not isinstance(message, str) or not message:
                continue  # no plural forms are used; an empty id would be the header
            location = f"{(base / filename).relative_to(root).as_posix()}:{lineno}"
            found.setdefault(message, []).append(location)
    return found


def hidden_calls(paths: Iterable[str | Path] = SOURCE_DIRS, root: Path = PROJECT_ROOT) -> list[str]:
    """``file:line: call`` for ``_("…")`` with a literal inside an f-string, which Babel cannot see on 3.11.

    Python before 3.12 tokenizes an f-string as one string, so the extractor skips the
    calls in its ``{…}`` fields; move the call out of the f-string.
    """
    import ast

    found = []
    for rel, tree in _kiosk_sources(paths, root):
        for node in ast.walk(tree):
            if not isinstance(node, ast.JoinedStr):
                continue
            for call in ast.walk(node):
                if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in KEYWORDS
                        and call.args and isinstance(call.args[0], ast.Constant)):
                    found.append(f"{rel.as_posix()}:{call.lineno}: {ast.unparse(call)}")
    return found


def _kiosk_sources(paths: Iterable[str | Path], root: Path) -> Iterator[tuple[Path, Any]]:
    """(relative path, parsed module) of every source file the kiosk's catalogue is made from."""
    import ast

    for path in paths:
        for py in sorted(Path(root, path).rglob("*.py")):
            rel = py.relative_to(root)
            if "reference" in rel.parts or "tests" in rel.parts:
                continue
            yield rel, ast.parse(py.read_text(encoding="utf-8"), str(rel))


def unmarked_literals(paths: Iterable[str | Path] = SOURCE_DIRS, root: Path = PROJECT_ROOT) -> list[str]:
    """``file:line: text`` for every Chinese string literal that is not inside ``_``/``N_``/``tr``/``tr2``.

    Such a text never reaches the catalogues, so English and Traditional Chinese show it
    untranslated (or a hand-made English twin in its place). Docstrings and bare
    expression strings are skipped; the tests name the files whose Chinese is data
    (sample cards, word lists) rather than text for the screen.
    """
    import ast

    found = []
    for rel, tree in _kiosk_sources(paths, root):
        skip: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in KEYWORDS:
                skip.update(id(n) for n in ast.walk(node))
            elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                skip.add(id(node.value))  # docstrings and attribute docstrings
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str) and IDEOGRAPH.search(node.value)
                    and id(node) not in skip):
                found.append(f"{rel.as_posix()}:{node.lineno}: {node.value}")
    return sorted(found)


def placeholders(text: str) -> list[tuple[str, str, str]]:
    """The ``{name:spec!conv}`` fields of a str.format template, sorted; [] when it is not one."""
    try:
        fields = [(name, spec or "", conv or "") for _lit, name, spec, conv in string.Formatter().parse(text)
                  if name is not None]
    except ValueError:
        return []
    return sorted(fields)


# -- a small PO reader/writer that keeps the reviewed files as they are ------------------------------
@dataclass
class Entry:
    msgid: str
    msgstr: str
    comments: list[str] = field(default_factory=list)
    """Raw comment lines (``# …``, ``#, fuzzy``) written above the entry."""


@dataclass
class PoFile:
    header: str
    entries: list[Entry]

    def get(self, msgid: str) -> Entry | None:
        return next((e for e in self.entries if e.msgid == msgid), None)


def _unquote(line: str) -> str:
    from babel.messages.pofile import unescape

    return unescape(line.strip())


def read_po(path: Path) -> PoFile:
    """Header text verbatim plus the entries in file order (single-form messages only)."""
    text = path.read_text(encoding="utf-8")
    blocks = re.split(r"\n\s*\n", text.strip("\n"))
    header, entries = "", []
    for block in blocks:
        comments, msgid, msgstr, target = [], [], [], None
        for line in block.splitlines():
            if line.startswith("#"):
                comments.append(line)
            elif line.startswith("msgid "):
                target = msgid
                msgid.append(_unquote(line[len("msgid "):]))
            elif line.startswith("msgstr "):
                target = msgstr
                msgstr.append(_unquote(line[len("msgstr "):]))
            elif line.startswith('"') and target is not None:
                target.append(_unquote(line))
            elif line.strip():
                raise ValueError(f"{path}: cannot read PO line {line!r}")
        if not msgid:
            if comments:  # a section comment standing alone: keep it with the next entry
                entries.append(Entry("", "", comments))
            continue
        mid = "".join(msgid)
        if mid == "" and not header:
            header = block
            continue
        entries.append(Entry(mid, "".join(msgstr), comments))
    # fold stand-alone comment blocks into the entry that follows them
    merged: list[Entry] = []
    pending: list[str] = []
    for e in entries:
        if not e.msgid:
            pending += e.comments
            continue
        e.comments = pending + e.comments
        pending = []
        merged.append(e)
    return PoFile(header, merged)


def write_po(path: Path, po: PoFile) -> None:
    from babel.messages.pofile import escape

    out = [po.header, ""]
    for e in po.entries:
        if e.comments and e.comments[0].startswith("# "):
            out.append("")  # a section comment gets a blank line of its own above it
        out += e.comments
        out.append(f"msgid {escape(e.msgid)}")
        out.append(f"msgstr {escape(e.msgstr)}")
        out.append("")
    path.write_text("\n".join(out), encoding="utf-8")


# -- updating the catalogues -----------------------------------------------------------------
@dataclass
class Report:
    total: int = 0
    added: dict[str, list[str]] = field(default_factory=dict)
    """language -> msgids appended to its catalogue."""
    untranslated: list[str] = field(default_factory=list)
    """msgids with no English text (or with Chinese left in it)."""
    placeholder_mismatch: list[str] = field(default_factory=list)
    """msgids whose English lacks or adds a ``{placeholder}``."""
    stale: dict[str, list[str]] = field(default_factory=dict)
    """language -> msgids in the catalogue that the source no longer uses."""
    pruned: bool = False

    @property
    def clean(self) -> bool:
        return not any(self.added.values()) and not self.untranslated and not self.placeholder_mismatch


def _po_path(locale_dir: Path, lang: str) -> Path:
    return locale_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def _source(location: str) -> str:
    return location.rsplit(":", 1)[0]


def _insert(po: PoFile, entry: Entry, messages: dict[str, list[str]]) -> None:
    """At the end of the ``# <file>`` section of the file that first uses it; a new section if none."""
    header = f"# {_source(messages[entry.msgid][0])}"
    start = next((i for i, e in enumerate(po.entries) if header in e.comments), None)
    if start is None:
        entry.comments = [header]
        po.entries.append(entry)
        return
    end = next((i for i in range(start + 1, len(po.entries))
                if any(c.startswith("# ") for c in po.entries[i].comments)), len(po.entries))
    po.entries.insert(end, entry)


def update_catalogs(messages: dict[str, list[str]], locale_dir: Path = LOCALE_DIR, *,
                    write: bool = True, prune: bool = False) -> Report:
    """Append missing ids to every language's .po (zh_CN: text = id; others: empty text)."""
    report = Report(total=len(messages), pruned=prune)
    for lang in LANGUAGES:
        path = _po_path(locale_dir, lang)
        po = read_po(path)
        have = {e.msgid for e in po.entries}
        new = [m for m in messages if m not in have]
        report.added[lang] = new
        report.stale[lang] = [e.msgid for e in po.entries if e.msgid not in messages]
        if prune:
            po.entries = [e for e in po.entries if e.msgid in messages]
        for m in new:
            _insert(po, Entry(m, m if lang == SOURCE_LANGUAGE else ""), messages)
        if write and (new or (prune and report.stale[lang])):
            write_po(path, po)
        if lang != SOURCE_LANGUAGE:
            texts = {e.msgid: e.msgstr for e in po.entries}
            chinese = lang.startswith("zh")  # zh_TW: Chinese text is the translation, not a leftover
            report.untranslated += [m for m in messages if not texts.get(m) or (not chinese and CJK.search(texts[m]))]
            report.placeholder_mismatch += [m for m in messages
                                            if texts.get(m) and placeholders(texts[m]) != placeholders(m)]
    return report


def run(argv: list[str]) -> int:
    """``extract [--check] [--prune]``: the ``python -m devtools.i18n_extract extract`` command."""
    unknown = set(argv) - {"--check", "--prune"}
    if unknown:
        print(f"usage: python -m devtools.i18n_extract extract [--check] [--prune]; unknown {sorted(unknown)}",
              file=sys.stderr)
        return 2
    check, prune = "--check" in argv, "--prune" in argv
    messages = extract_messages()
    report = update_catalogs(messages, write=not check, prune=prune and not check)
    verb = "missing" if check else "added"
    print(f"{report.total} message ids in {', '.join(SOURCE_DIRS)}")
    for lang, ids in report.added.items():
        print(f"{lang}: {len(ids)} {verb}")
        for m in ids:
            print(f"  + {m}    ({', '.join(messages[m][:3])})")
    for lang, ids in report.stale.items():
        if ids:
            print(f"{lang}: {len(ids)} not used in the source{' (removed)' if report.pruned else ''}")
            for m in ids:
                print(f"  - {m}")
    hidden = hidden_calls()
    for line in hidden:
        print(f"not extractable (call inside an f-string): {line}")
    for m in report.placeholder_mismatch:
        print(f"placeholders differ: {m}")
    print(f"untranslated: {len(report.untranslated)}")
    for m in report.untranslated:
        print(f"  ? {m}    ({', '.join(messages[m][:3])})")
    if check:
        return 0 if report.clean and not hidden else 1
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["extract"]:
        return run(argv[1:])
    if argv[:1] != ["compile"]:
        print("usage: python -m devtools.i18n_extract compile | extract [--check] [--prune]", file=sys.stderr)
        return 2
    for mo in compile_catalogs():
        print(mo)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
