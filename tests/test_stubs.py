"""The type stubs (_core.pyi) name exactly what the extension exposes."""

import ast
import inspect
from pathlib import Path

import p2pgossip._core as core

STUBS = Path(core.__file__).with_suffix("").with_suffix(".pyi")
if not STUBS.exists():  # editable installs keep the stubs in the source tree
    STUBS = Path(__file__).resolve().parent.parent / "python" / "p2pgossip" / "_core.pyi"


def stubbed() -> dict[str, set[str] | None]:
    names: dict[str, set[str] | None] = {}
    for node in ast.parse(STUBS.read_text()).body:
        if isinstance(node, ast.ClassDef):
            members = set()
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    members.add(item.name)
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    members.add(item.target.id)
                elif isinstance(item, ast.Assign):
                    members.update(t.id for t in item.targets if isinstance(t, ast.Name))
            names[node.name] = members
        elif isinstance(node, ast.FunctionDef):
            names[node.name] = None
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = None
    return names


def test_module_names_match_stubs():
    runtime = {n for n in dir(core) if not n.startswith("__")}
    assert sorted(runtime - stubbed().keys()) == [], "exposed but not stubbed"
    assert sorted(stubbed().keys() - runtime) == [], "stubbed but not exposed"


def test_class_members_match_stubs():
    problems = []
    for name, members in stubbed().items():
        obj = getattr(core, name)
        if members is None or not inspect.isclass(obj):
            continue
        public = {m for m in vars(obj) if not m.startswith("_")}
        problems += [f"{name}.{m} not stubbed" for m in sorted(public - members)]
        problems += [
            f"{name}.{m} stubbed but absent"
            for m in sorted(members)
            if not m.startswith("__") and not hasattr(obj, m)
        ]
    assert problems == []


def stub_classes() -> dict[str, ast.ClassDef]:
    return {n.name: n for n in ast.parse(STUBS.read_text()).body if isinstance(n, ast.ClassDef)}


def declared(node: ast.ClassDef) -> set[str]:
    out = set()
    for item in node.body:
        if isinstance(item, ast.FunctionDef | ast.ClassDef):
            out.add(item.name)
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            out.add(item.target.id)
    return out


def test_submodules_match_their_stub_classes():
    """A submodule (kad, _bench) is stubbed as a class of the same name: its names, and the
    members of its classes, match the stub."""
    problems, checked = [], []
    for name, node in stub_classes().items():
        mod = getattr(core, name)
        if not inspect.ismodule(mod):
            continue
        checked.append(name)
        runtime = {n for n in vars(mod) if not n.startswith("__")}
        problems += [f"{name}.{n} not stubbed" for n in sorted(runtime - declared(node))]
        problems += [f"{name}.{n} stubbed but absent" for n in sorted(declared(node) - runtime)]
        for inner in node.body:
            if not isinstance(inner, ast.ClassDef) or not inspect.isclass(
                getattr(mod, inner.name, None)
            ):
                continue
            cls = getattr(mod, inner.name)
            public = {m for m in vars(cls) if not m.startswith("_")}
            members = declared(inner)
            problems += [f"{name}.{inner.name}.{m} not stubbed" for m in sorted(public - members)]
            problems += [
                f"{name}.{inner.name}.{m} stubbed but absent"
                for m in sorted(members)
                if not m.startswith("__") and not hasattr(cls, m)
            ]
    assert {"kad", "mdns", "_bench"} <= set(checked)
    assert problems == []
