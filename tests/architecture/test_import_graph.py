"""Domains point one way, and no module imports itself round a circle.

The graph is built from the source (function-level imports included), not from what happens to
be imported at run time. Layers, lowest first (docs/architecture.md, "Where things live"):
the foundation modules, then the domain packages in the order of ``DOMAIN_ORDER``, then the
coordinators and shells (``COORDINATORS``). A package may import only packages below it.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICE = ROOT / "service"

# Lowest first. Packages on the same line are independent of each other; new domains are
# inserted where their imports put them.
DOMAIN_ORDER: tuple[tuple[str, ...], ...] = (
    ("auth", "changefeed"),
    # Issue 13: organisations own company contacts (contact_owner), so they sit below companies.
    ("organisations",),
    ("companies", "forecasts"),
    ("tasks",),
    ("citizens",),
    ("placements",),
    ("matching",),
    ("bustours",),
    # Issue 18: reminders offer messages for bus tours; the overview counts mentors and meetings.
    ("reminders", "mentors", "meetings"),
    ("overview",),
)
# Above every domain: they may import any of them, and no domain imports them.
COORDINATORS = frozenset(
    {
        "main",
        "cli",
        "erasure",
        "citizen_record",
        "citizen_record_router",
        "company_removal",  # issue 15
        "company_removal_router",
        "demo",
        "web",
        "models",
    }
)
RANK = {name: rank for rank, names in enumerate(DOMAIN_ORDER) for name in names}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in SERVICE.rglob("*.py") if "migrations" not in p.parts}


def imports_of(path: Path, known: set[str]) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("service"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in known else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("service"))
    return found & known


@cache
def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports_of(path, set(known)) - {name} for name, path in known.items()}


def top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(edges.get(child, ())))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def test_no_import_cycle_between_modules() -> None:
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_domain_package_has_a_layer() -> None:
    packages = {
        p.parent.name
        for p in SERVICE.glob("*/__init__.py")
        if p.parent.name not in COORDINATORS and p.parent.name != "migrations"
    }
    assert packages - set(RANK) == set()


def test_domains_point_one_way() -> None:
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in graph().items()
        if top(module) in RANK
        for target in targets
        if top(target) in COORDINATORS
        or (
            top(target) in RANK
            and top(target) != top(module)
            and RANK[top(target)] >= RANK[top(module)]
        )
    )
    assert wrong == []


def test_foundation_modules_import_no_domain() -> None:
    foundation = {
        m
        for m in modules()
        if m.count(".") == 1 and top(m) not in RANK and top(m) not in COORDINATORS
    }
    allowed_domain_users = {"service.system"}  # /meta counts companies and users
    edges = graph()
    wrong = sorted(
        f"{module} imports {target}"
        for module in foundation - allowed_domain_users
        for target in edges[module]
        if top(target) in RANK or top(target) in COORDINATORS
    )
    assert wrong == []
