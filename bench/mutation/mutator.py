"""A small AST mutator: one syntactic change per mutant, inside named functions only.

Operators (the ``kind`` of a :class:`Mutation`):

* ``binop``     ``+``/``-``, ``*``/``/``, ``//`` -> ``/``, ``%`` -> ``//`` (also in ``x op= y``)
* ``compare``   ``<``/``<=``, ``>``/``>=``, ``==``/``!=``, ``in``/``not in``, ``is``/``is not``
* ``boolop``    ``and``/``or``;  ``not x`` -> ``x``;  ``-x`` -> ``x``
* ``constant``  integer ``n`` -> ``n + 1``, ``n - 1``, ``0``; float ``x`` -> ``x + 1``, ``0.0``;
  ``True``/``False`` swapped; a non-empty string -> ``""``
* ``index``     a slice bound or subscript index ``e`` (not a constant), or a counting call
  (``len(...)``, ``s.index(...)``) -> ``e + 1``, ``e - 1``;
  an absent slice bound -> ``1`` (lower) or ``-1`` (upper)
* ``remove``    a statement -> ``pass`` (docstrings and ``return`` excepted)
* ``swap``      the first two positional arguments of a call swapped
* ``keyword``   one keyword argument of a call dropped
* ``return``    ``return e`` -> ``return None``;  for a comparison or ``bool(...)``: ``not e``

Sites are numbered in :func:`ast.walk` order over a function's definition, so a
mutation is named by ``(function, site, variant)`` and replays on a fresh parse.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterator
from dataclasses import dataclass

BINOP_SWAPS: dict[type, type] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div, ast.Mod: ast.FloorDiv,
}
COMPARE_SWAPS: dict[type, type] = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In,
    ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}


@dataclass(frozen=True)
class Mutation:
    """One change: the ``variant``-th way of mutating node number ``site`` of ``function``."""

    function: str
    site: int
    variant: int
    kind: str
    line: int
    description: str

    @property
    def key(self) -> str:
        """A stable name: ``function:site.variant`` (used by the equivalent-mutant list)."""
        return f"{self.function}:{self.site}.{self.variant}"


@dataclass(frozen=True)
class Mutant:
    """A mutated module: the source to run and what was changed."""

    exercise: str
    mutation: Mutation
    source: str

    @property
    def key(self) -> str:
        """``exercise/function:site.variant``."""
        return f"{self.exercise}/{self.mutation.key}"


def _function(tree: ast.Module, name: str) -> ast.FunctionDef:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    raise KeyError(f"no top-level function {name!r}")


def _docstring(node: ast.AST) -> bool:
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str))


def _plus(expr: ast.expr, delta: int) -> ast.expr:
    op = ast.Add() if delta > 0 else ast.Sub()
    return ast.BinOp(left=expr, op=op, right=ast.Constant(abs(delta)))


def _is_constant_bound(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) or (
        isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant))


COUNTING_CALLS = {"len", "index", "find", "count"}


def _counting_call(node: ast.Call) -> bool:
    """``len(...)``, ``x.index(...)``...: calls whose result is a count or a position."""
    func = node.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    return name in COUNTING_CALLS


def _variants(node: ast.AST, parent_body_owner: dict[int, tuple[ast.AST, str]]
              ) -> list[tuple[str, str]]:
    """``(kind, description)`` of each way to mutate ``node`` (in a fixed order)."""
    out: list[tuple[str, str]] = []
    if isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in BINOP_SWAPS:
        new = BINOP_SWAPS[type(node.op)].__name__
        out.append(("binop", f"{type(node.op).__name__} -> {new}"))
    elif isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            if type(op) in COMPARE_SWAPS:
                out.append(("compare", f"#{i} {type(op).__name__} -> "
                                       f"{COMPARE_SWAPS[type(op)].__name__}"))
    elif isinstance(node, ast.BoolOp):
        out.append(("boolop", "and <-> or"))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
        out.append(("boolop" if isinstance(node.op, ast.Not) else "constant",
                    f"drop {type(node.op).__name__}"))
    elif isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool):
            out.append(("constant", f"{value} -> {not value}"))
        elif isinstance(value, int):
            out += [("constant", f"{value} -> {value + 1}"),
                    ("constant", f"{value} -> {value - 1}")]
            if value not in (0, 1, -1):
                out.append(("constant", f"{value} -> 0"))
        elif isinstance(value, float):
            out.append(("constant", f"{value} -> {value + 1}"))
            if value != 0.0:
                out.append(("constant", f"{value} -> 0.0"))
        elif isinstance(value, str) and value and id(node) not in parent_body_owner:
            out.append(("constant", f"{value!r} -> ''"))
    elif isinstance(node, ast.Slice):
        for bound in ("lower", "upper"):
            expr = getattr(node, bound)
            if expr is None:
                out.append(("index", f"slice {bound} None -> {1 if bound == 'lower' else -1}"))
            elif not _is_constant_bound(expr):
                out += [("index", f"slice {bound} + 1"), ("index", f"slice {bound} - 1")]
    elif isinstance(node, ast.Subscript) and not isinstance(node.slice, (ast.Slice, ast.Tuple)):
        if not _is_constant_bound(node.slice) and isinstance(node.ctx, ast.Load):
            out += [("index", "index + 1"), ("index", "index - 1")]
    elif isinstance(node, ast.Call):
        if _counting_call(node):
            out += [("index", "result + 1"), ("index", "result - 1")]
        if len(node.args) >= 2 and not any(isinstance(a, ast.Starred) for a in node.args[:2]):
            out.append(("swap", "swap the first two arguments"))
        for k, keyword in enumerate(node.keywords):
            if keyword.arg is not None:
                out.append(("keyword", f"drop keyword #{k} {keyword.arg}="))
    elif isinstance(node, ast.Return) and node.value is not None:
        if not (isinstance(node.value, ast.Constant) and node.value.value is None):
            out.append(("return", "return None"))
        boolean = isinstance(node.value, ast.Compare) or (
            isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name)
            and node.value.func.id == "bool")
        if boolean:
            out.append(("return", "return not ..."))
    if id(node) in parent_body_owner and not isinstance(node, ast.Return):
        out.append(("remove", f"remove {type(node).__name__} statement"))
    return out


def _statements(func: ast.FunctionDef) -> dict[int, tuple[ast.AST, str]]:
    """id(statement) -> (owner, field) for every removable statement, docstrings excluded."""
    owners: dict[int, tuple[ast.AST, str]] = {}
    for node in ast.walk(func):
        for field in ("body", "orelse", "finalbody"):
            body = getattr(node, field, None)
            if not isinstance(body, list):
                continue
            for index, stmt in enumerate(body):
                if node is func and index == 0 and _docstring(stmt):
                    continue
                if isinstance(stmt, ast.stmt):
                    owners[id(stmt)] = (node, field)
        # docstring constants are not string-mutated: mark them as "owned"
    if func.body and _docstring(func.body[0]):
        owners[id(func.body[0].value)] = (func, "docstring")
    return owners


def _annotation_nodes(func: ast.FunctionDef) -> set[int]:
    """ids of the nodes of type annotations (never evaluated: mutating them is a no-op)."""
    roots: list[ast.AST] = [func.returns] if func.returns else []
    for node in ast.walk(func):
        if isinstance(node, ast.arg) and node.annotation is not None:
            roots.append(node.annotation)
        elif isinstance(node, ast.AnnAssign):
            roots.append(node.annotation)
    return {id(n) for root in roots for n in ast.walk(root)}


def _sites(func: ast.FunctionDef) -> Iterator[tuple[int, ast.AST, list[tuple[str, str]]]]:
    owners = _statements(func)
    skipped = _annotation_nodes(func)
    for site, node in enumerate(ast.walk(func)):
        if node is func or id(node) in skipped:
            continue
        if owners.get(id(node), (None, ""))[1] == "docstring":
            continue
        variants = _variants(node, owners)
        if variants:
            yield site, node, variants


def _apply(func: ast.FunctionDef, site: int, variant: int) -> None:
    owners = _statements(func)
    node = next(n for i, n in enumerate(ast.walk(func)) if i == site)
    kind, description = _variants(node, owners)[variant]
    if kind == "remove":
        owner, field = owners[id(node)]
        body = getattr(owner, field)
        body[body.index(node)] = ast.Pass()
    elif kind == "binop":
        node.op = BINOP_SWAPS[type(node.op)]()  # type: ignore[attr-defined]
    elif kind == "compare":
        assert isinstance(node, ast.Compare)
        index = int(description.split()[0][1:])
        node.ops[index] = COMPARE_SWAPS[type(node.ops[index])]()
    elif kind == "boolop" and isinstance(node, ast.BoolOp):
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif isinstance(node, ast.UnaryOp):
        _replace(func, node, node.operand)
    elif kind == "constant":
        assert isinstance(node, ast.Constant)
        new_text = description.split(" -> ")[1]
        node.value = ast.literal_eval(new_text)
    elif kind == "index" and isinstance(node, ast.Slice):
        bound = description.split()[1]
        expr = getattr(node, bound)
        if expr is None:
            setattr(node, bound, ast.Constant(1) if bound == "lower"
                    else ast.UnaryOp(op=ast.USub(), operand=ast.Constant(1)))
        else:
            setattr(node, bound, _plus(expr, 1 if description.endswith("+ 1") else -1))
    elif kind == "index" and isinstance(node, ast.Subscript):
        node.slice = _plus(node.slice, 1 if description.endswith("+ 1") else -1)
    elif kind == "index" and isinstance(node, ast.Call):
        _replace(func, node, _plus(node, 1 if description.endswith("+ 1") else -1))
    elif kind == "swap" and isinstance(node, ast.Call):
        node.args[0], node.args[1] = node.args[1], node.args[0]
    elif kind == "keyword" and isinstance(node, ast.Call):
        del node.keywords[int(description.split()[2][1:])]
    elif kind == "return" and isinstance(node, ast.Return):
        assert node.value is not None
        node.value = (ast.Constant(None) if description == "return None"
                      else ast.UnaryOp(op=ast.Not(), operand=node.value))
    else:  # pragma: no cover - every variant above has a branch
        raise AssertionError(f"unknown mutation {kind}: {description}")


def _replace(root: ast.AST, old: ast.AST, new: ast.AST) -> None:
    """Replace the child ``old`` of some node under ``root`` by ``new``."""
    for parent in ast.walk(root):
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, new)
                return
            if isinstance(value, list) and any(v is old for v in value):
                value[[i for i, v in enumerate(value) if v is old][0]] = new
                return
    raise AssertionError("node not found")


def mutations(source: str, functions: list[str]) -> list[Mutation]:
    """Every mutation of the named functions of ``source``, in a fixed order."""
    tree = ast.parse(source)
    found = []
    for name in functions:
        for site, node, variants in _sites(_function(tree, name)):
            for variant, (kind, description) in enumerate(variants):
                found.append(Mutation(name, site, variant, kind,
                                      getattr(node, "lineno", 0), description))
    return found


def mutate(source: str, mutation: Mutation) -> str:
    """The source of the module with ``mutation`` applied (comments are not kept)."""
    tree = copy.deepcopy(ast.parse(source))
    _apply(_function(tree, mutation.function), mutation.site, mutation.variant)
    ast.fix_missing_locations(tree)
    return ast.unparse(tree)


def mutants(exercise: str, source: str, functions: list[str]) -> list[Mutant]:
    """Mutants of ``functions``; those that compile to the original or to a duplicate dropped."""
    original = ast.unparse(ast.parse(source))
    seen = {original}
    out = []
    for mutation in mutations(source, functions):
        text = mutate(source, mutation)
        if text in seen:
            continue
        try:
            compile(text, f"<{exercise} mutant>", "exec")
        except SyntaxError:
            continue
        seen.add(text)
        out.append(Mutant(exercise, mutation, text))
    return out
