"""The runtime package's shape, read from its source with ``ast`` (no import, no model).

What ``ARCHITECTURE.md`` promises and a refactor could silently break: no import circle (counting
imports inside functions, which only defer a circle), ``config`` below every stage, no private
name imported from another module (each exception named here with its reason), nothing of the
development kit in the product, and modules and functions short enough to read (a long function
says why in its docstring).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "gesture_scan"

#: ARCHITECTURE.md's limits: no module over ~600 lines, no function body over 80 lines unless
#: its docstring says "Long because" (a typer command's options are its signature, not its body).
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80
#: Private names read across modules (none: a name another module needs is public).
PRIVATE_IMPORTS_ALLOWED: set[tuple[str, str]] = set()


def _modules() -> dict[str, tuple[Path, bool]]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts = parts[:-1]
        out[".".join(parts)] = (path, is_pkg)
    return out


MODULES = _modules()


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Line numbers of imports under ``if TYPE_CHECKING:`` (types only, never executed)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for sub in node.body:
                for inner in ast.walk(sub):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)):
                        lines.add(inner.lineno)
    return lines


def _imports(name: str) -> list[tuple[str, list[str]]]:
    """(imported module, names taken from it) for every executed import of ``name``."""
    path, is_pkg = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_only(tree)
    out: list[tuple[str, list[str]]] = []
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in MODULES:  # ``from . import pipeline``: the submodule itself
                    out.append((sub, []))
                else:
                    out.append((target, [alias.name]))
    return out


def _graph() -> dict[str, set[str]]:
    return {name: {t for t, _ in _imports(name) if t in MODULES and t != name} for name in MODULES}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_circle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle() -> None:
    # A package's __init__ re-exporting its submodules is not a circle of its own making: a
    # submodule importing ``from . import x`` would be, and is counted.
    graph = _graph()
    for name, (_, is_pkg) in MODULES.items():
        if is_pkg:
            graph[name] = {t for t in graph[name] if not t.startswith(name + ".")}
    assert _cycles(graph) == []


def test_config_imports_no_stage() -> None:
    allowed = {
        "gesture_scan._validate",
        "gesture_scan.errors",
        "gesture_scan.detect.options",  # options only
        "gesture_scan.people.attire",  # AttireOptions (see config's docstring)
    }
    assert _graph()["gesture_scan.config"] <= allowed


def test_no_private_name_crosses_a_module() -> None:
    crossing = []
    for name in MODULES:
        for target, names in _imports(name):
            if not target.startswith("gesture_scan") or (name, target) in PRIVATE_IMPORTS_ALLOWED:
                continue
            crossing += [
                f"{name} <- {target}.{n}"
                for n in names
                if n.startswith("_") and not n.startswith("__")
            ]
    assert crossing == []


def test_the_product_never_imports_the_devkit_or_tests() -> None:
    for name in MODULES:
        for target, _ in _imports(name):
            assert not target.startswith(("gesture_scan_devkit", "tests")), (name, target)


#: ARCHITECTURE.md's layers, bottom up: a module imports only from its own layer or below.
LAYERS = (
    (
        "gesture_scan.errors",
        "gesture_scan._validate",
        "gesture_scan.detections",
        "gesture_scan.regions",
        "gesture_scan._stage",
        "gesture_scan.hands.landmarks",
        "gesture_scan.messages",
    ),
    ("gesture_scan.config", "gesture_scan.detect.options", "gesture_scan.results"),
    (
        "gesture_scan.io",
        "gesture_scan.graphs",
        "gesture_scan.hands",
        "gesture_scan.people",
        "gesture_scan.detect",
        "gesture_scan.text",
        "gesture_scan.profiles",
    ),
    ("gesture_scan.rules",),
    (
        "gesture_scan.report",
        "gesture_scan.review",
        "gesture_scan.scanner",
        "gesture_scan.tasks",
        "gesture_scan.engines",
        "gesture_scan.pipeline",
    ),
    ("gesture_scan.service", "gesture_scan.cli", "gesture_scan"),
)
#: Imports that point up the layers (none).
UPWARD_ALLOWED: set[tuple[str, str]] = set()


def _layer(name: str) -> int:
    """The layer of the longest prefix of ``name`` that is listed."""
    best = (-1, -1)
    for level, prefixes in enumerate(LAYERS):
        for p in prefixes:
            if (name == p or name.startswith(p + ".")) and len(p) > best[0]:
                best = (len(p), level)
    assert best[1] >= 0, f"{name} is in no layer of ARCHITECTURE.md"
    return best[1]


def test_imports_only_point_down() -> None:
    upward = [
        f"{name} -> {target}"
        for name, targets in _graph().items()
        for target in targets
        if _layer(target) > _layer(name) and (name, target) not in UPWARD_ALLOWED
    ]
    assert upward == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_stay_readable(name: str) -> None:
    path, _ = MODULES[name]
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{name}: {lines} lines"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        # The body, not the signature: a typer command declares each option there.
        length = node.end_lineno - node.body[0].lineno + 1  # type: ignore[operator]
        if length <= MAX_FUNCTION_LINES:
            continue
        doc = ast.get_docstring(node) or ""
        assert "Long because" in doc, f"{name}.{node.name}: {length} lines, no reason given"


#: The scan's stages (module, class): each speaks the protocol of ``_stage.py``.
STAGES = (
    ("gesture_scan.people.stage", "FaceStage"),
    ("gesture_scan.hands.stage", "HandStage"),
    ("gesture_scan.detect.stage", "ObjectStage"),
    ("gesture_scan.people.pose", "PoseStage"),
    ("gesture_scan.text.ocr", "TextStage"),
)


def _classes(name: str) -> dict[str, ast.ClassDef]:
    tree = ast.parse(MODULES[name][0].read_text(encoding="utf-8"))
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


@pytest.mark.parametrize(("name", "stage"), STAGES, ids=[s for _, s in STAGES])
def test_every_stage_speaks_one_protocol(name: str, stage: str) -> None:
    """``run(rgb, ...)`` -> a frozen result of the stage's own, defined beside it, with
    ``calls: int``; the five older shapes (``detect``, ``read``) are gone."""
    classes = _classes(name)
    methods = {
        node.name: node
        for node in classes[stage].body
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
    }
    assert "run" in methods and not {"detect", "read"} & set(methods), sorted(methods)
    run = methods["run"]
    assert [a.arg for a in run.args.args[:2]] == ["self", "rgb"]
    assert isinstance(run.returns, ast.Name), ast.dump(run.returns) if run.returns else None
    result = classes.get(run.returns.id)
    assert result is not None, f"{run.returns.id} is not defined in {name}"
    frozen = [
        d
        for d in result.decorator_list
        if isinstance(d, ast.Call)
        and ast.unparse(d.func) == "dataclass"
        and any(k.arg == "frozen" and ast.unparse(k.value) == "True" for k in d.keywords)
    ]
    assert frozen, f"{result.name} is not a frozen dataclass"
    fields = {
        node.target.id: ast.unparse(node.annotation)
        for node in result.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    }
    assert fields.get("calls") == "int", fields
