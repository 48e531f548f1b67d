"""Every path, module and ``kiosk`` command that README.md and docs/*.md name exists as written.

The documents are what a technician types at a kiosk and what an integrator opens first,
and nothing else notices when a module moves or a command is renamed under them. So:

- a repository path (``kiosk/...``, ``drivers/...``, ``docs/x.md``, ``tests/...``; a
  ``<placeholder>`` or ``*`` matches any name) must exist; ``kiosk/bus`` may stand for
  ``kiosk/bus.py``;
- a dotted module name (``kiosk.x.y``, ``drivers.x``, ``reference_platform.x``,
  ``devtools.x``, ``screens.x``) must resolve: the longest prefix that is a module or
  package in the tree, then (if anything is left) a name that module defines at top level
  (and, for a class, a name in its body); logger names the code uses count as well;
- a ``kiosk ...`` command in inline code or in a ```` ```sh ```` block must walk
  ``kiosk.cli.build_parser()``'s sub-commands, and each ``--option`` must belong to the
  command it is given to (an upper-case or ``<placeholder>`` word stands for any
  sub-command, ``...`` ends the check);
- a relative Markdown link must point at a file, docs/README.md must list every document
  in docs/, and the README's Layout table every folder of the tree.
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import re
import shlex
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PACKAGES = ("kiosk", "drivers", "screens", "reference_platform", "devtools")
FOLDERS = (*PACKAGES, "tests", "docs", "benchmarks", "scripts", "systemd", "assets")
# A dotted name ending in one of these is a file name (kiosk.toml, kiosk.service), not a module.
FILE_SUFFIXES = frozenset(
    "toml service timer mount network preset socket target sh conf rules po pot mo json md py kv "
    "efi raw xz db key old example png pdf log txt".split()
)

PATH_RE = re.compile(rf"(?<![\w./~$-])(?:{'|'.join(FOLDERS)})(?:/[\w.<>*-]*)+")
MODULE_RE = re.compile(rf"(?<![\w./~$-])(?:{'|'.join(PACKAGES)})(?:\.[A-Za-z_]\w*)+")
LINK_RE = re.compile(r"\]\(([^)\s]+)\)")
INLINE_RE = re.compile(r"(`+)(.+?)\1", re.S)
FENCE_RE = re.compile(r"^ *```(\w*)[^\n]*\n(.*?)^ *```", re.S | re.M)
SHELL_FENCES = frozenset({"sh", "shell", "bash", "console"})


@dataclass(frozen=True)
class Snippet:
    doc: str
    line: int
    text: str


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _name(doc: Path) -> str:
    return doc.relative_to(ROOT).as_posix() if doc.is_relative_to(ROOT) else doc.name


def commands_in(doc: Path) -> list[Snippet]:
    """Inline code spans outside fences, and the lines of shell fences (continuations joined)."""
    text = doc.read_text(encoding="utf-8")
    name = _name(doc)
    found: list[Snippet] = []
    prose = text
    for fence in FENCE_RE.finditer(text):
        prose = prose[: fence.start()] + " " * (fence.end() - fence.start()) + prose[fence.end():]
        if fence.group(1) not in SHELL_FENCES:
            continue
        first = _line(text, fence.start(2))
        lines = fence.group(2).split("\n")
        i = 0
        while i < len(lines):
            start, joined = i, lines[i]
            while joined.rstrip().endswith("\\") and i + 1 < len(lines):
                i += 1
                joined = joined.rstrip()[:-1] + " " + lines[i]
            found.append(Snippet(name, first + start, joined))
            i += 1
    for span in INLINE_RE.finditer(prose):
        found.append(Snippet(name, _line(text, span.start()), " ".join(span.group(2).split())))
    return found


# -- paths and modules ------------------------------------------------------------------------


def path_exists(ref: str) -> bool:
    pattern = re.sub(r"<[^>]*>", "*", ref.rstrip(".,:;"))
    if any(ch in pattern for ch in "*?["):
        return any(ROOT.glob(pattern.rstrip("/")))
    target = ROOT / pattern
    return target.exists() or (not pattern.endswith("/") and target.with_suffix(".py").exists())


@cache
def logger_names() -> frozenset[str]:
    names = set()
    for package in PACKAGES:
        for source in (ROOT / package).rglob("*.py"):
            names.update(re.findall(r"getLogger\(\s*[\"']([\w.]+)[\"']", source.read_text(encoding="utf-8")))
    return frozenset(names)


def _defined(body: list[ast.stmt]) -> dict[str, ast.stmt]:
    names: dict[str, ast.stmt] = {}
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names[node.name] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                for leaf in ast.walk(target):
                    if isinstance(leaf, ast.Name):
                        names[leaf.id] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = node
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                names[(alias.asname or alias.name).split(".")[0]] = node
        elif isinstance(node, ast.If | ast.Try):
            names.update(_defined(node.body))
    return names


def module_problem(name: str) -> str | None:
    """None when ``name`` is a module in the tree or a name one defines; else what is wrong."""
    parts = name.split(".")
    if parts[-1] in FILE_SUFFIXES or name in logger_names():
        return None
    source: Path | None = None
    depth = 0
    for i in range(1, len(parts) + 1):
        base = ROOT.joinpath(*parts[:i])
        if base.is_dir():
            source, depth = base / "__init__.py", i
        elif base.with_suffix(".py").is_file():
            source, depth = base.with_suffix(".py"), i
            break
        else:
            break
    if source is None:
        return f"no module {parts[0]}"
    rest = parts[depth:]
    module = ".".join(parts[:depth])
    if not rest:
        return None
    if not source.is_file():
        return f"{module} has no {rest[0]} (no such module, and {module} is a folder without __init__.py)"
    names = _defined(ast.parse(source.read_text(encoding="utf-8")).body)
    node = names.get(rest[0])
    if node is None:
        return f"{module} has no {rest[0]}"
    if len(rest) > 1 and isinstance(node, ast.ClassDef) and rest[1] not in _defined(node.body):
        return f"{module}.{rest[0]} has no {rest[1]}"
    return None


def reference_problems(doc: Path) -> list[str]:
    text = doc.read_text(encoding="utf-8")
    name = _name(doc)
    problems = []
    for m in PATH_RE.finditer(text):
        if not path_exists(m.group()):
            problems.append(f"{name}:{_line(text, m.start())}: no such path {m.group()}")
    for m in MODULE_RE.finditer(text):
        why = module_problem(m.group())
        if why:
            problems.append(f"{name}:{_line(text, m.start())}: {m.group()}: {why}")
    for m in LINK_RE.finditer(text):
        target = m.group(1).split("#")[0]
        if target and "://" not in target and not target.startswith("mailto:"):
            if not (doc.parent / target).exists():
                problems.append(f"{name}:{_line(text, m.start())}: broken link {m.group(1)}")
    return problems


# -- commands ---------------------------------------------------------------------------------


@cache
def cli() -> argparse.ArgumentParser:
    from kiosk.cli import build_parser

    return build_parser()


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _option(parsers: list[argparse.ArgumentParser], flag: str) -> argparse.Action | None:
    for parser in parsers:
        for action in parser._actions:
            if flag in action.option_strings:
                return action
    return None


def _is_placeholder(word: str) -> bool:
    return word.startswith("<") or (word.isupper() and word.replace("_", "").isalpha())


def kiosk_argv(command: str) -> list[str] | None:
    """The words after ``kiosk`` when ``command`` runs the kiosk CLI (``sudo -u kiosk``,
    ``VAR=x`` and a ``.../bin/kiosk`` path allowed), else None."""
    try:
        words = shlex.split(command.split(" #")[0], comments=False)
    except ValueError:
        words = command.split()
    while words and re.fullmatch(r"\$|\w+=\S*", words[0]):
        words.pop(0)
    if words and words[0] == "sudo":
        words.pop(0)
        while words and words[0].startswith("-"):
            flag = words.pop(0)
            if flag in ("-u", "-g") and words:
                words.pop(0)
    if not words or (words[0] != "kiosk" and not words[0].endswith("/bin/kiosk")):
        return None
    return [w.strip("[]") for w in words[1:]]


def command_problem(command: str) -> str | None:
    """None when every sub-command and option of a ``kiosk ...`` line exists, else what is wrong."""
    argv = kiosk_argv(command)
    if argv is None:
        return None
    parsers = [cli()]
    path = ["kiosk"]
    i = 0
    while i < len(argv):
        word = argv[i]
        i += 1
        if word in ("...", "…") or not word:
            return None
        if word.startswith("-") and len(word) > 1:
            flag = word.split("=")[0]
            action = _option(parsers, flag)
            if action is None:
                return f"{' '.join(path)} has no option {flag}"
            if action.nargs != 0 and "=" not in word:
                i += 1
            continue
        choices: dict[str, argparse.ArgumentParser] = {}
        for parser in parsers:
            choices.update(_subcommands(parser))
        if not choices:
            continue  # a positional argument of the command
        picked = []
        for alternative in word.split("|"):
            if _is_placeholder(alternative):
                picked.extend(choices.values())
            elif alternative in choices:
                picked.append(choices[alternative])
            else:
                return f"{' '.join(path)} has no sub-command {alternative} (it has {', '.join(sorted(choices))})"
        parsers = picked
        path.append(word)
    return None


def command_problems(doc: Path) -> list[str]:
    problems = []
    for snippet in commands_in(doc):
        for segment in re.split(r"\s(?:&&|\|\||;|&)\s|\s\|\s|\s&$", snippet.text):
            why = command_problem(segment.strip())
            if why:
                problems.append(f"{snippet.doc}:{snippet.line}: `{segment.strip()}`: {why}")
    return problems


# -- the tests --------------------------------------------------------------------------------


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.relative_to(ROOT).as_posix())
def test_named_paths_and_modules_exist(doc: Path) -> None:
    assert reference_problems(doc) == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.relative_to(ROOT).as_posix())
def test_named_commands_exist(doc: Path) -> None:
    assert command_problems(doc) == []


def top_folders() -> set[str]:
    """The repository's top-level folders: git's when this is a checkout (tools leave caches
    beside them), else every folder that is neither hidden nor in .gitignore."""
    try:
        tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    except OSError:
        tracked = None
    if tracked is not None and tracked.returncode == 0 and tracked.stdout:
        return {line.split("/")[0] for line in tracked.stdout.splitlines() if "/" in line}
    patterns = [line.strip().strip("/") for line in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()]
    return {p.name for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith(".")
            and not any(pat and not pat.startswith("#") and fnmatch.fnmatch(p.name, pat) for pat in patterns)}


def test_readme_layout_table_lists_every_folder() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Layout"):]
    listed = set(re.findall(r"^\| `([^`/]+)/` \|", table, re.M))
    folders = top_folders()
    assert sorted(folders - listed) == []
    assert sorted(f for f in listed - folders if not (ROOT / f).is_dir()) == []


def test_docs_index_lists_every_document() -> None:
    index = (ROOT / "docs" / "README.md").read_text(encoding="utf-8")
    linked = {m.group(1).split("#")[0] for m in LINK_RE.finditer(index)}
    documents = {p.name for p in (ROOT / "docs").iterdir() if p.is_file() and p.name != "README.md"}
    assert sorted(documents - linked) == []


# -- the checks can fail ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "ref", ["kiosk/journeys/visit.py", "drivers/idcard/", "kiosk/events.py", "tests/drivers/<x>/test_nothing.py"]
)
def test_a_missing_path_is_reported(ref: str) -> None:
    assert not path_exists(ref)


@pytest.mark.parametrize("ref", ["kiosk/bus", "drivers/<class>/spec.py", "systemd/*.service", "docs/"])
def test_an_existing_path_is_accepted(ref: str) -> None:
    assert path_exists(ref)


@pytest.mark.parametrize(
    "name",
    ["kiosk.events", "kiosk.journeys.visit", "drivers.idcard.reader", "kiosk.bus.NoSuchThing",
     "drivers.registry.DeviceSpec.no_such_field", "devtools.chaos.nothing"],
)
def test_a_missing_module_or_name_is_reported(name: str) -> None:
    assert module_problem(name)


@pytest.mark.parametrize(
    "name",
    ["kiosk.bus", "kiosk.bus.EventBus", "kiosk.i18n._", "drivers.reader.ReaderThread", "kiosk.platform.contract",
     "kiosk.toml", "kiosk.audit"],
)
def test_an_existing_module_or_name_is_accepted(name: str) -> None:
    assert module_problem(name) is None


@pytest.mark.parametrize(
    "command",
    ["kiosk doctor-idcard", "kiosk doctor idcard --port /dev/x", "kiosk doctor printer --no-such-option",
     ".venv/bin/kiosk platform serve --bogus", "sudo -u kiosk /opt/kiosk/.venv/bin/kiosk doktor all",
     "kiosk doctor DEVICE|everything"],
)
def test_a_missing_command_or_option_is_reported(command: str) -> None:
    assert command_problem(command)


@pytest.mark.parametrize(
    "command",
    ["kiosk doctor all --json", "kiosk doctor DEVICE|all --timeout 5", "kiosk doctor <class> --help",
     "kiosk --config FILE run --windowed", "kiosk bench qr DIR --json", "kiosk config check /etc/kiosk/kiosk.toml",
     "kiosk doctor printer --port /dev/kiosk/printer [--baud N] [--width 384\\|576] --test-page --json",
     "journalctl -u kiosk --since -1h", "systemctl status kiosk", "kiosk doctor ..."],
)
def test_an_existing_command_is_accepted(command: str) -> None:
    assert command_problem(command) is None


def test_commands_in_inline_code_and_shell_fences_are_found(tmp_path: Path) -> None:
    doc = tmp_path / "probe.md"
    doc.write_text(
        "Run `kiosk doktor`.\n\n```sh\necho 1 | sudo kiosk provision \\\n  --no-such\n```\n\n"
        "```\nkiosk journey --> a diagram, not a command\n```\n",
        encoding="utf-8",
    )
    problems = command_problems(doc)
    assert [p.split(": `")[0] for p in problems] == ["probe.md:4", "probe.md:1"]


def test_paths_modules_and_links_are_found(tmp_path: Path) -> None:
    doc = tmp_path / "probe.md"
    doc.write_text("See kiosk/events.py,\n`kiosk.journeys.visit` and [x](nowhere.md).\n", encoding="utf-8")
    assert [p.split(": ")[0] for p in reference_problems(doc)] == ["probe.md:1", "probe.md:2", "probe.md:2"]
