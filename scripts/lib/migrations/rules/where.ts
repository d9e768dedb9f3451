// WHERE clauses that filter nothing: `WHERE true`, `WHERE 1 = 1`,
// `WHERE x IS NULL OR x IS NOT NULL`, `WHERE id IS NOT NULL` on a NOT NULL
// column. A DELETE or UPDATE with one of them touches every row.
import type { A_Const, Node } from "libpg-query";
import { names } from "../ast.ts";

/** Whether a column is known to be NOT NULL. */
export type NotNullColumn = (column: string) => boolean;

type Constant = { kind: "number" | "string" | "boolean" | "null"; value: string };

function constant(node: Node | undefined): Constant | undefined {
  if (!node) return undefined;
  if ("TypeCast" in node) return constant(node.TypeCast.arg);
  if (!("A_Const" in node)) return undefined;
  const c: A_Const = node.A_Const;
  if (c.isnull) return { kind: "null", value: "" };
  if (c.boolval) return { kind: "boolean", value: String(c.boolval.boolval ?? false) };
  if (c.ival) return { kind: "number", value: String(c.ival.ival ?? 0) };
  if (c.fval) return { kind: "number", value: String(Number(c.fval.fval)) };
  if (c.sval) return { kind: "string", value: c.sval.sval ?? "" };
  return undefined;
}

function singleColumn(node: Node | undefined): string | undefined {
  if (!node || !("ColumnRef" in node)) return undefined;
  return names(node.ColumnRef.fields).at(-1);
}

function compare(op: string, left: Constant, right: Constant): boolean | undefined {
  if (left.kind === "null" || right.kind === "null") return undefined;
  const numeric = left.kind === "number" && right.kind === "number";
  const a = numeric ? Number(left.value) : left.value;
  const b = numeric ? Number(right.value) : right.value;
  switch (op) {
    case "=": return a === b;
    case "<>": case "!=": return a !== b;
    case "<": return a < b;
    case "<=": return a <= b;
    case ">": return a > b;
    case ">=": return a >= b;
    default: return undefined;
  }
}

/** The truth value of a condition when it does not depend on the row, or on NULLs the column cannot hold. */
export function truthOf(node: Node | undefined, notNull: NotNullColumn): boolean | undefined {
  if (!node) return undefined;
  const value = constant(node);
  if (value?.kind === "boolean") return value.value === "true";
  if (value?.kind === "string" && "TypeCast" in node && names(node.TypeCast.typeName?.names).at(-1) === "bool") {
    return ["t", "true", "y", "yes", "on", "1"].includes(value.value.toLowerCase());
  }
  if ("A_Expr" in node && node.A_Expr.kind === "AEXPR_OP") {
    const left = constant(node.A_Expr.lexpr);
    const right = constant(node.A_Expr.rexpr);
    const op = names(node.A_Expr.name).at(-1) ?? "";
    if (left && right) return compare(op, left, right);
    return undefined;
  }
  if ("NullTest" in node) {
    const column = singleColumn(node.NullTest.arg);
    if (column && notNull(column)) return node.NullTest.nulltesttype === "IS_NOT_NULL";
    return undefined;
  }
  if ("BoolExpr" in node) {
    const args = node.BoolExpr.args ?? [];
    const truths = args.map((arg) => truthOf(arg, notNull));
    switch (node.BoolExpr.boolop) {
      case "AND_EXPR":
        if (truths.some((t) => t === false)) return false;
        return truths.every((t) => t === true) ? true : undefined;
      case "OR_EXPR":
        if (truths.some((t) => t === true) || coversNulls(args)) return true;
        return truths.every((t) => t === false) ? false : undefined;
      case "NOT_EXPR":
        return truths[0] === undefined ? undefined : !truths[0];
    }
  }
  return undefined;
}

/** `x IS NULL OR x IS NOT NULL` (in any order, among other alternatives). */
function coversNulls(args: Node[]): boolean {
  const tests = new Map<string, Set<string>>();
  for (const arg of args) {
    if (!("NullTest" in arg)) continue;
    const column = singleColumn(arg.NullTest.arg);
    if (!column) continue;
    const kinds = tests.get(column) ?? new Set<string>();
    kinds.add(arg.NullTest.nulltesttype ?? "");
    tests.set(column, kinds);
  }
  return [...tests.values()].some((kinds) => kinds.has("IS_NULL") && kinds.has("IS_NOT_NULL"));
}

/** A WHERE clause that accepts every row. */
export function alwaysTrue(where: Node | undefined, notNull: NotNullColumn): boolean {
  return where !== undefined && truthOf(where, notNull) === true;
}
