// Parses migration SQL with PostgreSQL's own parser (libpg-query, compiled to
// Wasm): statements come back as syntax trees with their location, and
// comments come from PostgreSQL's scanner, so a keyword inside a comment,
// string or quoted identifier is never mistaken for a statement.
import type { Node } from "libpg-query";
import { createRequire } from "node:module";
import v8 from "node:v8";
import { OperationError } from "../errors.ts";

export interface Statement {
  /** The node type, e.g. "AlterTableStmt". */
  kind: string;
  /** The statement's tree (the value under `kind`). */
  node: Record<string, unknown>;
  /** Source text, as written. */
  text: string;
  /** 1-based line of the statement's first token. */
  line: number;
  /** Byte offsets into the UTF-8 source (what the parser reports). */
  start: number;
  end: number;
}

export interface SqlComment {
  text: string;
  line: number;
  start: number;
  end: number;
}

/** A token other than the statement separator whose text holds a ';' (a comment, string or quoted identifier). */
export interface SemicolonToken {
  kind: "comment" | "string" | "identifier";
  text: string;
  line: number;
  start: number;
}

export interface ParsedMigration {
  statements: Statement[];
  comments: SqlComment[];
  semicolonTokens: SemicolonToken[];
}

/** SQL PostgreSQL's parser rejects; `line` is where it stopped (1 when unknown). */
export class SqlSyntaxError extends OperationError {
  override name = "SqlSyntaxError";
  constructor(message: string, readonly line: number, readonly reason: string) {
    super(message);
  }
}

type Parser = typeof import("libpg-query");
let loaded: Promise<void> | undefined;
let parser: Parser | undefined;

/**
 * The Wasm module loads once per process, imported here on first use: the
 * package reads and compiles its 1.7 MB of Wasm as soon as it is imported,
 * which a command's --help or a migration with nothing to lint must not wait
 * for. Liftoff only: V8's optimising tier recompiles the parser in the
 * background, which on two busy cores made the first 200 parses ~4× slower
 * than Liftoff code alone (measured). require(), not import(): import() runs
 * this CommonJS package through Node's ESM loader (which scans its files for
 * export names first), and the first parse came tens of milliseconds later
 * (measured).
 */
export function loadParser(): Promise<void> | void {
  if (parser) return;
  loaded ??= (async () => {
    v8.setFlagsFromString("--liftoff-only");
    const module = createRequire(import.meta.url)("libpg-query") as Parser;
    await module.loadModule();
    parser = module;
  })();
  return loaded;
}

/** PostgreSQL's parser and scanner (parseSync, scanSync, …), once loadParser() has resolved. */
export function sqlParser(): Parser {
  if (!parser) throw new Error("the SQL parser is used before loadParser() resolved");
  return parser;
}

/** `file` only names the source in error messages. Call loadParser() first. */
export function parseMigration(sql: string, file: string): ParsedMigration {
  const bytes = Buffer.from(sql, "utf8");
  const lineOf = lineLocator(bytes);
  const { parseSync, hasSqlDetails } = sqlParser();
  let tree;
  try {
    tree = parseSync(sql);
  } catch (error) {
    const position = hasSqlDetails(error) ? error.sqlDetails?.cursorPosition : undefined;
    const line = position === undefined ? 1 : lineOf(Buffer.byteLength(sql.slice(0, position), "utf8"));
    const reason = error instanceof Error ? error.message : String(error);
    throw new SqlSyntaxError(`${file}:${line}: PostgreSQL cannot parse this migration (${reason}); fix the SQL, then run the command again.`, line, reason);
  }
  const statements = (tree.stmts ?? []).map((raw) => {
    const start = raw.stmt_location ?? 0;
    const end = raw.stmt_len ? start + raw.stmt_len : bytes.length;
    const [kind, node] = Object.entries(raw.stmt as Node)[0] as [string, Record<string, unknown>];
    return { kind, node, text: bytes.subarray(start, end).toString("utf8").trim(), line: lineOf(start), start, end };
  });
  const tokens = scanRegions(bytes, statements).map((token) => ({ ...token, text: bytes.subarray(token.start, token.end).toString("utf8") }));
  const comments = tokens
    .filter((token) => token.tokenName === "SQL_COMMENT" || token.tokenName === "C_COMMENT")
    .map((token) => ({ text: token.text, line: lineOf(token.start), start: token.start, end: token.end }));
  const semicolonTokens = tokens
    .filter((token) => token.tokenName !== "ASCII_59" && token.text.includes(";"))
    .map((token) => ({ kind: tokenKind(token.tokenName), text: token.text, line: lineOf(token.start), start: token.start }));
  return { statements, comments, semicolonTokens };
}

/**
 * Runs PostgreSQL's scanner only where it can find something: the gaps between
 * statements that hold a comment, and statements whose text holds a ';' (a
 * separator never lies inside a statement's range, so such a ';' sits in a
 * string, comment or identifier). Scanning whole files costs ~1 ms each.
 */
function scanRegions(bytes: Buffer, statements: Statement[]): Array<{ tokenName: string; start: number; end: number }> {
  const regions: Array<[number, number]> = [];
  let previousEnd = 0;
  for (const statement of [...statements, { start: bytes.length, end: bytes.length }]) {
    const gap = bytes.subarray(previousEnd, statement.start).toString("utf8");
    if (gap.includes("--") || gap.includes("/*")) regions.push([previousEnd, statement.start]);
    if (statement.end > statement.start && bytes.subarray(statement.start, statement.end).includes(";")) regions.push([statement.start, statement.end]);
    previousEnd = statement.end;
  }
  const { scanSync } = sqlParser();
  return regions.flatMap(([start, end]) =>
    scanSync(bytes.subarray(start, end).toString("utf8")).tokens.map((token) => ({ tokenName: token.tokenName, start: start + token.start, end: start + token.end })),
  );
}

function tokenKind(name: string): SemicolonToken["kind"] {
  if (name.endsWith("COMMENT")) return "comment";
  return name === "IDENT" || name === "UIDENT" ? "identifier" : "string";
}

/** Byte offset -> 1-based line number (binary search over line starts). */
function lineLocator(bytes: Buffer): (offset: number) => number {
  const starts = [0];
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a) starts.push(i + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  };
}
