"""The mutants of scripts/mutation.py: which small changes are made to a target file, and where.

One mutant per classic change, each of which still parses: comparison and boundary swaps, `and`/`or` and their
operands, dropped `not`, a `.filter()`/`.exclude()` taken out of a query chain or one of its conditions dropped,
`|`/`&` on Q objects, constants, arithmetic, `return X` replaced, a guard/raise/call/assignment statement deleted.
Strings that only reach people or logs are left alone (see docs/testing.md).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

# Calls whose string arguments reach people or logs, not rules.
MESSAGE_CALLS = {"_", "gettext", "gettext_lazy", "ngettext", "pgettext", "format_lazy", "record"}
LOG_OBJECTS = {"log", "logger", "logging", "LOG"}
# Query methods whose removal from a chain widens (or narrows) what a query returns.
QUERY_FILTERS = {"filter", "exclude"}

COMPARE_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
BINOP_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult,
    ast.BitOr: ast.BitAnd,
    ast.BitAnd: ast.BitOr,
}
SYMBOLS = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.And: "and",
    ast.Or: "or",
}


# ---------------------------------------------------------------- configuration


# ---------------------------------------------------------------- mutants


@dataclass
class Mutant:
    file: str
    line: int
    description: str
    source: str  # the whole mutated file
    mutated_line: str = ""
    function: str = ""  # qualified name of the function changed ("" at module level)


@dataclass
class _Edit:
    node: ast.AST
    replacement: str
    description: str
    function: str = ""


class _Offsets:
    """Turns ast (line, UTF-8 byte column) positions into offsets in the file's bytes."""

    def __init__(self, source: str) -> None:
        self.data = source.encode()
        self.starts = [0]
        for line in self.data.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))

    def span(self, node: ast.AST) -> tuple[int, int]:
        start = self.starts[node.lineno - 1] + node.col_offset  # type: ignore[attr-defined]
        end = self.starts[node.end_lineno - 1] + node.end_col_offset  # type: ignore[attr-defined]
        return start, end

    def text(self, node: ast.AST) -> str:
        start, end = self.span(node)
        return self.data[start:end].decode()


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _is_log_call(call: ast.Call) -> bool:
    func = call.func
    return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in LOG_OBJECTS


class _Collector:
    """Walks one module and proposes edits, keeping track of where each node sits."""

    def __init__(self, source: str, functions: list[str]) -> None:
        self.source = source
        self.functions = functions
        self.offsets = _Offsets(source)
        self.edits: list[_Edit] = []
        self._function: ast.FunctionDef | ast.AsyncFunctionDef | None = None
        self._scope = ""

    # -- scope

    def _wanted(self, qualname: str) -> bool:
        if not self.functions:
            return True
        return any(qualname == name or qualname.startswith(name + ".") for name in self.functions)

    def collect(self) -> list[_Edit]:
        tree = ast.parse(self.source)
        self._body(tree.body, scope="", in_function=False)
        return self.edits

    def _body(self, body: list[ast.stmt], scope: str, in_function: bool) -> None:
        for index, stmt in enumerate(body):
            if index == 0 and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
                continue  # docstring
            self._stmt(stmt, scope, in_function)

    def _add(self, edit: _Edit) -> None:
        edit.function = self._scope
        self.edits.append(edit)

    def _stmt(self, stmt: ast.stmt, scope: str, in_function: bool) -> None:
        self._scope = scope
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            qualname = f"{scope}.{stmt.name}" if scope else stmt.name
            if self._wanted(qualname) or any(name.startswith(qualname + ".") for name in self.functions):
                if self._wanted(qualname):
                    for default in [*stmt.args.defaults, *stmt.args.kw_defaults]:
                        if default is not None:
                            self._expr(default, strings=False)
                outer, self._function = self._function, stmt
                self._body(stmt.body, qualname, in_function=True)
                self._function = outer
            return
        if isinstance(stmt, ast.ClassDef):
            qualname = f"{scope}.{stmt.name}" if scope else stmt.name
            self._body(stmt.body, qualname, in_function=False)
            return
        if isinstance(stmt, ast.Import | ast.ImportFrom) or (self.functions and not self._wanted(scope or "<module>")):
            return
        if self.functions and not in_function:
            return
        if isinstance(stmt, ast.If) and _is_type_checking(stmt):
            return
        if in_function:
            self._statement_mutants(stmt)
        # Module and class level: numbers and booleans only (thresholds); strings there are names and labels.
        strings = in_function
        for name, value in ast.iter_fields(stmt):
            if name in {"annotation", "returns", "type_comment"}:
                continue
            if isinstance(value, ast.expr):
                self._expr(value, strings=strings and not isinstance(stmt, ast.Raise))
            elif isinstance(value, list):
                stmts = [item for item in value if isinstance(item, ast.stmt)]
                if stmts:
                    self._body_no_docstring(stmts, scope, in_function)
                for item in value:
                    if isinstance(item, ast.expr):
                        self._expr(item, strings=strings)
                    elif isinstance(item, ast.ExceptHandler | ast.match_case | ast.withitem | ast.comprehension):
                        self._compound(item, scope, in_function, strings)

    def _body_no_docstring(self, body: list[ast.stmt], scope: str, in_function: bool) -> None:
        for stmt in body:
            self._stmt(stmt, scope, in_function)

    def _compound(self, node: ast.AST, scope: str, in_function: bool, strings: bool) -> None:
        for _name, value in ast.iter_fields(node):
            if isinstance(value, ast.expr):
                self._expr(value, strings=strings)
            elif isinstance(value, list):
                stmts = [item for item in value if isinstance(item, ast.stmt)]
                self._body_no_docstring(stmts, scope, in_function)

    # -- statements

    def _statement_mutants(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Return):
            self._return_mutants(stmt)
            return
        delete = (
            isinstance(stmt, ast.Raise | ast.If | ast.AugAssign)
            or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and not _is_log_call(stmt.value))
            or (isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Attribute | ast.Subscript) for t in stmt.targets))
        )
        if delete:
            first = self.offsets.text(stmt).splitlines()[0].strip()
            self._add(_Edit(stmt, "pass", f"delete statement `{_short(first)}`"))

    def _return_mutants(self, stmt: ast.Return) -> None:
        if stmt.value is None:
            return
        returns = self._function.returns if self._function else None
        annotation = ast.unparse(returns) if returns else ""
        value = self.offsets.text(stmt.value)
        empties = {"list": "[]", "tuple": "()", "set": "set()", "dict": "{}", "str": '""'}
        base = annotation.split("[")[0]
        options: list[tuple[str, str]] = []
        if annotation == "bool":
            options = [("return True", "return True"), ("return False", "return False")]
        elif base in empties and "|" not in annotation:
            options = [(f"return {empties[base]}", f"return {empties[base]}")]
        elif annotation.startswith("QuerySet") and not value.endswith(".none()"):
            options = [(f"return ({value}).none()", "return an empty queryset")]
        elif not (isinstance(stmt.value, ast.Constant) and stmt.value.value is None):
            options = [("return None", "return None")]
        for replacement, description in options:
            if replacement.removeprefix("return ").strip() != value.strip():
                self._add(_Edit(stmt, replacement, f"`return {_short(value)}` → `{description}`"))

    # -- expressions

    def _expr(self, node: ast.expr, strings: bool) -> None:
        if isinstance(node, ast.JoinedStr):
            return  # messages
        if isinstance(node, ast.Call):
            if _is_log_call(node):
                return
            self._call_mutants(node)
            strings = strings and _call_name(node) not in MESSAGE_CALLS and not _call_name(node).endswith(("Error", "Exception", "Leak"))
        elif isinstance(node, ast.Compare):
            for index, op in enumerate(node.ops):
                swap = COMPARE_SWAPS.get(type(op))
                if swap:
                    mutated = ast.Compare(node.left, [*node.ops[:index], swap(), *node.ops[index + 1 :]], node.comparators)
                    self._replace(node, mutated, f"`{SYMBOLS[type(op)]}` → `{SYMBOLS[swap]}`")
        elif isinstance(node, ast.BoolOp):
            other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            self._replace(node, ast.BoolOp(other, node.values), f"`{SYMBOLS[type(node.op)]}` → `{SYMBOLS[type(other)]}`")
            for index, value in enumerate(node.values):
                rest = [v for i, v in enumerate(node.values) if i != index]
                kept = rest[0] if len(rest) == 1 else ast.BoolOp(node.op, rest)
                self._replace(node, kept, f"drop `{_short(self.offsets.text(value))}` from `{SYMBOLS[type(node.op)]}`")
        elif isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not | ast.Invert):
                symbol = "not" if isinstance(node.op, ast.Not) else "~"
                self._replace_text(node, f"({self.offsets.text(node.operand)})", f"drop `{symbol}`")
        elif isinstance(node, ast.BinOp):
            operator = BINOP_SWAPS.get(type(node.op))
            if operator:
                self._replace(node, ast.BinOp(node.left, operator(), node.right), f"`{SYMBOLS[type(node.op)]}` → `{SYMBOLS[operator]}`")
        elif isinstance(node, ast.Constant):
            self._constant_mutants(node, strings)
            return
        elif isinstance(node, ast.Dict):
            for key in node.keys:
                if key is not None:
                    self._expr(key, strings=False)  # a key names a field; a rule lives in the value
            for item in node.values:
                self._expr(item, strings)
            return
        for _name, value in ast.iter_fields(node):
            if isinstance(value, ast.expr):
                self._expr(value, strings)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.expr):
                        self._expr(item, strings)
                    elif isinstance(item, ast.keyword):
                        self._expr(item.value, strings)
                    elif isinstance(item, ast.comprehension):
                        self._expr(item.iter, strings)
                        for condition in item.ifs:
                            self._expr(condition, strings)

    def _call_mutants(self, call: ast.Call) -> None:
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr in QUERY_FILTERS):
            return
        receiver = self.offsets.text(func.value)
        arguments = ", ".join(self.offsets.text(c) for c in [*call.args, *call.keywords])
        self._add(_Edit(call, f"({receiver})", f"remove `.{func.attr}({_short(arguments, 50)})`"))
        conditions: list[ast.AST] = [*call.args, *call.keywords]
        if len(conditions) < 2:
            return
        for index, condition in enumerate(conditions):
            kept = [self.offsets.text(c) for i, c in enumerate(conditions) if i != index]
            label = self.offsets.text(condition)
            self._add(_Edit(call, f"({receiver}).{func.attr}({', '.join(kept)})", f"drop `{_short(label)}` from `.{func.attr}()`"))

    def _constant_mutants(self, node: ast.Constant, strings: bool) -> None:
        value = node.value
        if isinstance(value, bool):
            self._replace_text(node, repr(not value), f"`{value}` → `{not value}`")
        elif isinstance(value, int | float):
            for other in (value + 1, value - 1):
                self._replace_text(node, repr(other), f"`{value!r}` → `{other!r}`")
        elif isinstance(value, str) and value and strings:
            self._replace_text(node, '""', f"`{_short(repr(value))}` → `''`")

    # -- edits

    def _replace(self, node: ast.AST, mutated: ast.AST, description: str) -> None:
        # No ast.copy_location: `mutated` may reuse the original's child nodes, whose own positions later edits need.
        self._add(_Edit(node, f"({ast.unparse(mutated)})", description))

    def _replace_text(self, node: ast.AST, text: str, description: str) -> None:
        self._add(_Edit(node, text, description))


def _is_type_checking(stmt: ast.If) -> bool:
    return isinstance(stmt.test, ast.Name) and stmt.test.id == "TYPE_CHECKING"


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def mutants_for(file: str, source: str, functions: list[str] = ()) -> list[Mutant]:  # type: ignore[assignment]
    """Every mutant of `source` (the text of `file`), in file order; each one still parses."""
    collector = _Collector(source, list(functions))
    offsets = collector.offsets
    mutants: list[Mutant] = []
    seen: set[str] = set()
    for edit in sorted(collector.collect(), key=lambda e: offsets.span(e.node)):
        start, end = offsets.span(edit.node)
        mutated = (offsets.data[:start] + edit.replacement.encode() + offsets.data[end:]).decode()
        if mutated in seen or mutated == source:
            continue
        try:
            ast.parse(mutated)
        except SyntaxError:
            continue
        seen.add(mutated)
        line = edit.node.lineno  # type: ignore[attr-defined]
        mutated_line = mutated.splitlines()[line - 1].strip()
        mutants.append(Mutant(file, line, edit.description, mutated, mutated_line, edit.function))
    return mutants
