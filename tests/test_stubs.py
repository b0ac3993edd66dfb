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
