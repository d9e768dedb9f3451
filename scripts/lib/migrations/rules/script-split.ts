// With the Wasm schema engine, @prisma/adapter-pg 6.19.3 runs migration.sql
// through executeScript(), which splits the file at EVERY ';' — also inside
// comments, strings and dollar-quoted bodies — and runs the pieces one by one,
// outside any transaction. Verified: a commented-out `-- DELETE FROM t; TRUNCATE t;`
// really truncates t. This module replays that split: for each ';' inside a
// comment, string or quoted identifier, the pieces PostgreSQL then receives
// are parsed, and what they do decides the finding: a destructive statement
// runs (data-loss), a piece that does not parse fails the migration midway, or
// other SQL of its own runs (may-fail). A comment cut cleanly off is harmless.
import type { Hit } from "../findings.ts";
import { sqlParser, type ParsedMigration, type SemicolonToken, type Statement } from "../parse.ts";
import { emptySchemaModel } from "../schema-model.ts";
import { dropRules } from "./drops.ts";
import { newMigrationState } from "./state.ts";

type Outcome =
  | { kind: "harmless" }
  | { kind: "runs"; sql: string }
  | { kind: "destroys"; sql: string; what: string }
  | { kind: "fails"; sql: string; error: string };

const RANK: Record<Outcome["kind"], number> = { harmless: 0, runs: 1, fails: 2, destroys: 3 };
const oneLine = (text: string, max = 70) => {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

/** A statement's tree without positions: the same statement parsed from another offset has the same shape. */
function shape(node: unknown): string {
  return JSON.stringify(node, (key, value: unknown) => (key === "location" || key.endsWith("_location") ? undefined : value));
}

/** What PostgreSQL does with one piece of the split file. */
function pieceOutcome(sql: string, intended: Set<string>): Outcome {
  const text = sql.trim();
  if (text === "") return { kind: "harmless" };
  let tree;
  try {
    tree = sqlParser().parseSync(text);
  } catch (error) {
    return { kind: "fails", sql: text, error: error instanceof Error ? error.message : String(error) };
  }
  const bytes = Buffer.from(text, "utf8");
  const statements: Statement[] = (tree.stmts ?? []).map((raw) => {
    const [kind, node] = Object.entries(raw.stmt ?? {})[0] as [string, Record<string, unknown>];
    const start = raw.stmt_location ?? 0;
    const piece = bytes.subarray(start, raw.stmt_len ? start + raw.stmt_len : bytes.length).toString("utf8").trim();
    return { kind, node, text: piece, line: 1, start, end: start };
  });
  const unintended = statements.filter((statement) => !intended.has(shape({ [statement.kind]: statement.node })));
  if (unintended.length === 0) return { kind: "harmless" };
  // What the piece runs is judged against a database where every table exists and holds rows.
  const state = newMigrationState({ engine: "adapter-pg", model: emptySchemaModel(), statements: unintended });
  for (const statement of unintended) {
    const loss = dropRules(statement, state).find((hit) => hit.severity === "data-loss");
    if (loss) return { kind: "destroys", sql: statement.text, what: loss.message };
  }
  return { kind: "runs", sql: unintended.map((s) => s.text).join("; ") };
}

export function scriptSplitHits(source: string, parsed: ParsedMigration): Array<{ token: SemicolonToken; hit: Hit }> {
  if (parsed.semicolonTokens.length === 0) return [];
  const bytes = Buffer.from(source, "utf8");
  const separators: number[] = [];
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x3b) separators.push(i);
  const intended = new Set(parsed.statements.map((statement) => shape({ [statement.kind]: statement.node })));
  const outcomes = new Map<number, Outcome>();
  /** The piece between separator i-1 and separator i (i = separators.length: after the last one). */
  const piece = (i: number): Outcome => {
    let outcome = outcomes.get(i);
    if (!outcome) {
      const from = i === 0 ? 0 : separators[i - 1]! + 1;
      const to = i === separators.length ? bytes.length : separators[i]!;
      outcome = pieceOutcome(bytes.subarray(from, to).toString("utf8"), intended);
      outcomes.set(i, outcome);
    }
    return outcome;
  };
  return parsed.semicolonTokens.flatMap((token) => {
    const end = token.start + Buffer.byteLength(token.text, "utf8");
    let worst: Outcome = { kind: "harmless" };
    separators.forEach((at, i) => {
      if (at < token.start || at >= end) return;
      for (const outcome of [piece(i), piece(i + 1)]) if (RANK[outcome.kind] > RANK[worst.kind]) worst = outcome;
    });
    const hit = splitHit(token, worst);
    return hit ? [{ token, hit }] : [];
  });
}

function splitHit(token: SemicolonToken, outcome: Outcome): Hit | undefined {
  const rule = token.kind === "comment" ? "semicolon-in-comment" : "semicolon-in-literal";
  const holder = `The ${token.kind} ${oneLine(token.text, 60)} holds a ';': Prisma's adapter splits migration.sql at every ';'`;
  const advice = token.kind === "comment"
    ? "Remove the ';' from the comment (write SQL examples without semicolons, or delete them)."
    : token.kind === "identifier"
      ? "Rename the identifier without ';'."
      : "Build the value without a literal ';' (e.g. chr(59)), and keep functions and DO blocks with several statements out of Prisma migrations or apply them with psql.";
  switch (outcome.kind) {
    case "harmless":
      return undefined;
    case "destroys":
      return { rule, severity: "data-loss", message: `${holder}, so "${oneLine(outcome.sql)}" RUNS AS SQL: ${outcome.what}`, advice };
    case "runs":
      return { rule, severity: "may-fail", message: `${holder}, so "${oneLine(outcome.sql)}" runs as SQL of its own.`, advice };
    case "fails":
      return {
        rule, severity: "may-fail",
        message: `${holder}, so PostgreSQL receives "${oneLine(outcome.sql)}", which fails (${outcome.error}); the statements before it stay applied (no transaction).`,
        advice,
      };
  }
}
