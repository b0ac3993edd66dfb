"""The type stubs (the _core/ stub package, one .pyi per layer) name exactly what the
extension exposes, layer by layer."""

import ast
import importlib
import inspect
from pathlib import Path
from types import ModuleType

import p2pgossip._core as core
import pytest

STUBS = Path(core.__file__).parent / "_core"
if not STUBS.is_dir():  # editable installs keep the stubs in the source tree
    STUBS = Path(__file__).resolve().parent.parent / "python" / "p2pgossip" / "_core"
LAYERS = sorted(p.stem for p in STUBS.glob("*.pyi") if p.stem != "__init__")


def declared(body: list[ast.stmt], aliases: bool = True) -> set[str]:
    """Names a stub body declares; a plain assignment at module level is a stub-only type
    alias (RuntimeEvent), inside a class an enum value."""
    out = set()
    for item in body:
        if isinstance(item, ast.FunctionDef | ast.ClassDef):
            out.add(item.name)
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            out.add(item.target.id)
        elif isinstance(item, ast.Assign) and aliases:
            out.update(t.id for t in item.targets if isinstance(t, ast.Name))
    return out


def test_every_submodule_has_a_stub_and_back() -> None:
    runtime = {n for n, v in vars(core).items() if isinstance(v, ModuleType)}
    assert sorted(runtime) == LAYERS
    assert {n for n in vars(core) if not n.startswith("__")} == runtime, "names outside a layer"
    init = ast.parse((STUBS / "__init__.pyi").read_text())
    assert {a.asname for n in init.body if isinstance(n, ast.ImportFrom) for a in n.names} == set(
        LAYERS
    )


def stub_members(node: ast.ClassDef, classes: dict[str, ast.ClassDef]) -> set[str]:
    """A stub class's members, those of its stub-only bases (private, absent at runtime:
    fields two config classes share) included."""
    out = declared(node.body)
    for base in node.bases:
        if isinstance(base, ast.Name) and base.id in classes:
            out |= stub_members(classes[base.id], classes)
    return out


def stub_classes() -> dict[str, ast.ClassDef]:
    return {
        n.name: n
        for layer in LAYERS
        for n in ast.parse((STUBS / f"{layer}.pyi").read_text()).body
        if isinstance(n, ast.ClassDef)
    }


@pytest.mark.parametrize("layer", LAYERS)
def test_layer_names_and_members_match_its_stub(layer: str) -> None:
    mod = getattr(core, layer)
    # Importable by its dotted name too, as user code and the stubs spell it.
    assert importlib.import_module(f"p2pgossip._core.{layer}") is mod
    tree = ast.parse((STUBS / f"{layer}.pyi").read_text())
    runtime = {n for n in vars(mod) if not n.startswith("__")}
    classes = stub_classes()
    # Private stub-only classes exist for type checkers alone.
    names = {
        n for n in declared(tree.body, aliases=False) if n.startswith("_") is False or n in runtime
    }
    problems = [f"{n} not stubbed" for n in sorted(runtime - names)]
    problems += [f"{n} stubbed but absent" for n in sorted(names - runtime)]
    for node in tree.body:
        cls = getattr(mod, node.name, None) if isinstance(node, ast.ClassDef) else None
        if not inspect.isclass(cls):
            continue
        public = {m for m in vars(cls) if not m.startswith("_")}
        members = stub_members(node, classes)
        problems += [f"{node.name}.{m} not stubbed" for m in sorted(public - members)]
        problems += [
            f"{node.name}.{m} stubbed but absent"
            for m in sorted(members)
            if not m.startswith("__") and not hasattr(cls, m)
        ]
    assert problems == []
