// SQL that runs inside procedural code: the statements of a DO block, and of
// a function when the migration calls it (SELECT f(), CALL p(), PERFORM).
// PostgreSQL's PL/pgSQL parser (libpg-query's parsePlPgSQL) reads the body;
// EXECUTE of a string is rebuilt from its constant parts (format(), ||,
// quote_ident()), with a placeholder for values known only at run time.
import type { CreateFunctionStmt, DoStmt, FuncCall, Node } from "libpg-query";
import { calledFunctions, names, walkTree } from "../ast.ts";
import { sqlParser, type Statement } from "../parse.ts";
import type { FunctionBody } from "../schema-model.ts";
import type { MigrationState } from "./state.ts";

/** The name given to anything EXECUTE computes at run time. */
export const RUNTIME_NAME = "pdg_value_known_at_run_time";

export interface InnerStatement {
  statement: Statement;
  /** "in the DO block", "in cleanup() (created on line 3)". */
  context: string;
  /** Rebuilt from an EXECUTE string. */
  dynamic: boolean;
}

export interface ProceduralCode extends FunctionBody {
  inner: InnerStatement[];
}

/** The procedural code a statement runs (or defines, for CREATE FUNCTION), null when it has none. */
export function proceduralCode(statement: Statement, state: MigrationState): ProceduralCode | null {
  switch (statement.kind) {
    case "DoStmt": {
      const args = (statement.node as DoStmt).args ?? [];
      if (optionText(args, "language") && optionText(args, "language") !== "plpgsql") return null;
      return readPlPgSql(statement, optionText(args, "as") ?? "", "in the DO block");
    }
    case "CreateFunctionStmt":
      return null;
    default: {
      if (state.model.functions.size === 0 || (statement.kind !== "SelectStmt" && statement.kind !== "CallStmt")) return null;
      const called = [...new Set(calledFunctions(statement.node))].filter((name) => state.model.functions.has(name));
      if (called.length === 0) return null;
      const code: ProceduralCode = { inner: [], unreadable: [] };
      for (const name of called) {
        const body = state.model.functions.get(name)!;
        code.inner.push(...body.inner.map((inner) => ({ ...inner, statement: { ...inner.statement, line: statement.line } })));
        code.unreadable.push(...body.unreadable.map((entry) => ({ ...entry, line: statement.line })));
      }
      return code;
    }
  }
}

/** Remembers a function's body so that a later call can be analysed. */
export function defineFunction(statement: Statement, state: MigrationState): void {
  if (statement.kind !== "CreateFunctionStmt") return;
  const create = statement.node as CreateFunctionStmt;
  const name = names(create.funcname).at(-1)?.toLowerCase();
  if (!name) return;
  const options = create.options ?? [];
  const language = optionText(options, "language") ?? "sql";
  const definition = options.find((o) => "DefElem" in o && o.DefElem.defname === "as");
  const bodyNode = definition && "DefElem" in definition ? definition.DefElem.arg : undefined;
  const body = bodyNode && "List" in bodyNode ? names(bodyNode.List.items)[0] : undefined;
  const context = `in ${name}() (created on line ${statement.line})`;
  let code: ProceduralCode | null = null;
  if (language === "plpgsql" && body !== undefined) code = readPlPgSql(statement, body, context);
  else if (language === "sql" && body !== undefined) code = { inner: sqlStatements(body, statement, 0).map((s) => ({ statement: s, context, dynamic: false })), unreadable: [] };
  if (code) state.model.functions.set(name, code);
  else state.model.functions.delete(name);
}

function optionText(options: Node[], name: string): string | undefined {
  const option = options.find((o) => "DefElem" in o && o.DefElem.defname === name);
  const arg = option && "DefElem" in option ? option.DefElem.arg : undefined;
  return arg && "String" in arg ? arg.String.sval : undefined;
}

/** Statements parsed from SQL text, located on `line` of the outer statement (+ their own line within the text). */
function sqlStatements(sql: string, outer: Statement, lineOffset: number): Statement[] {
  let tree;
  try {
    tree = sqlParser().parseSync(sql);
  } catch {
    return [];
  }
  return (tree.stmts ?? []).map((raw) => {
    const [kind, node] = Object.entries(raw.stmt as Node)[0] as [string, Record<string, unknown>];
    const start = raw.stmt_location ?? 0;
    const text = Buffer.from(sql, "utf8").subarray(start, raw.stmt_len ? start + raw.stmt_len : undefined).toString("utf8").trim();
    return { kind, node, text, line: outer.line + lineOffset, start: outer.start, end: outer.end };
  });
}

function readPlPgSql(statement: Statement, body: string, context: string): ProceduralCode {
  const code: ProceduralCode = { inner: [], unreadable: [] };
  let tree: unknown;
  try {
    tree = sqlParser().parsePlPgSQLSync(statement.text);
  } catch {
    code.unreadable.push({ line: statement.line, what: "the body (PostgreSQL's PL/pgSQL parser rejects it)" });
    return code;
  }
  // lineno counts from the body's first line.
  const bodyStart = statement.text.indexOf(body);
  const bodyLine = bodyStart === -1 ? 0 : statement.text.slice(0, bodyStart).split("\n").length - 1;
  walkTree(tree, (key, child) => {
    const offset = bodyLine + ((child as { lineno?: number }).lineno ?? 1) - 1;
    if (key === "PLpgSQL_stmt_execsql" || key === "PLpgSQL_stmt_perform") {
      const query = exprQuery((child as { sqlstmt?: unknown }).sqlstmt ?? (child as { expr?: unknown }).expr);
      if (query) code.inner.push(...sqlStatements(query, statement, offset).map((s) => ({ statement: s, context, dynamic: false })));
    } else if (key === "PLpgSQL_stmt_dynexecute" || key === "PLpgSQL_stmt_dynfors") {
      const expression = exprQuery((child as { query?: unknown }).query);
      const sql = expression === undefined ? undefined : rebuildExecute(expression);
      const inner = sql === undefined ? [] : sqlStatements(sql, statement, offset);
      if (inner.length === 0) code.unreadable.push({ line: statement.line + offset, what: `EXECUTE ${expression ?? "?"}` });
      code.inner.push(...inner.map((s) => ({ statement: s, context, dynamic: true })));
    }
  });
  return code;
}

function exprQuery(expr: unknown): string | undefined {
  return (expr as { PLpgSQL_expr?: { query?: string } } | undefined)?.PLpgSQL_expr?.query;
}

/** The SQL an EXECUTE expression produces, with RUNTIME_NAME for run-time values; undefined when nothing constant is left. */
function rebuildExecute(expression: string): string | undefined {
  let tree;
  try {
    tree = sqlParser().parseSync(`SELECT ${expression}`);
  } catch {
    return undefined;
  }
  const select = tree.stmts?.[0]?.stmt;
  const target = select && "SelectStmt" in select ? select.SelectStmt.targetList?.[0] : undefined;
  const value = target && "ResTarget" in target ? target.ResTarget.val : undefined;
  const sql = textOf(value);
  return sql === undefined || sql.trim() === RUNTIME_NAME ? undefined : sql;
}

function constantText(node: Node | undefined): string | undefined {
  if (!node) return undefined;
  if ("TypeCast" in node) return constantText(node.TypeCast.arg);
  if (!("A_Const" in node)) return undefined;
  const c = node.A_Const;
  if (c.sval) return c.sval.sval ?? "";
  if (c.ival) return String(c.ival.ival ?? 0);
  if (c.fval) return c.fval.fval;
  return undefined;
}

const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quoteLiteral = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** A string expression as text: constants kept, run-time parts replaced by RUNTIME_NAME. */
function textOf(node: Node | undefined): string | undefined {
  if (!node) return undefined;
  const constant = constantText(node);
  if (constant !== undefined) return constant;
  if ("A_Expr" in node && names(node.A_Expr.name).at(-1) === "||") {
    return `${textOf(node.A_Expr.lexpr) ?? RUNTIME_NAME}${textOf(node.A_Expr.rexpr) ?? RUNTIME_NAME}`;
  }
  if ("FuncCall" in node) return functionText(node.FuncCall);
  return RUNTIME_NAME;
}

function functionText(call: FuncCall): string {
  const name = names(call.funcname).at(-1)?.toLowerCase();
  const args = call.args ?? [];
  const arg = (i: number) => constantText(args[i]);
  switch (name) {
    case "quote_ident":
      return arg(0) === undefined ? RUNTIME_NAME : quoteIdentifier(arg(0)!);
    case "quote_literal":
    case "quote_nullable":
      return quoteLiteral(arg(0) ?? RUNTIME_NAME);
    case "concat":
      return args.map((a) => textOf(a) ?? RUNTIME_NAME).join("");
    case "format": {
      const template = arg(0);
      if (template === undefined) return RUNTIME_NAME;
      let next = 1;
      return template.replace(/%(?:(\d+)\$)?([IsL%])/g, (_match, position: string | undefined, kind: string) => {
        if (kind === "%") return "%";
        const index = position ? Number(position) : next++;
        const value = arg(index);
        if (kind === "I") return value === undefined ? RUNTIME_NAME : quoteIdentifier(value);
        if (kind === "L") return quoteLiteral(value ?? RUNTIME_NAME);
        return value ?? RUNTIME_NAME;
      });
    }
    default:
      return RUNTIME_NAME;
  }
}
