// Names PostgreSQL will not take as written: identifiers longer than 63 bytes
// (silently truncated), and a column assigned, listed or added twice.
import type { AlterTableStmt, CreateStmt, InsertStmt, Node } from "libpg-query";
import { tableKey } from "../ast.ts";
import type { Hit } from "../findings.ts";
import { sqlParser, type Statement } from "../parse.ts";
import { findColumn } from "../schema-model.ts";
import { modifyingStatements, targetColumns } from "./drops.ts";
import type { MigrationState } from "./state.ts";

const MAX_IDENTIFIER_BYTES = 63;
/** A run of 64+ identifier characters, or a quoted identifier of 64+ characters: only then is the statement scanned. */
const MAYBE_LONG = /[\p{L}\p{N}_$]{64,}|"(?:[^"]|""){64,}"/u;

export function identifierRules(statement: Statement, state: MigrationState): Hit[] {
  return [...longIdentifiers(statement), ...duplicateColumns(statement, state)];
}

function longIdentifiers(statement: Statement): Hit[] {
  if (!MAYBE_LONG.test(statement.text)) return [];
  const seen = new Set<string>();
  const hits: Hit[] = [];
  const source = Buffer.from(statement.text, "utf8");
  // The scanner reports byte offsets.
  for (const token of sqlParser().scanSync(statement.text).tokens) {
    if (token.tokenName !== "IDENT") continue;
    const raw = source.subarray(token.start, token.end).toString("utf8");
    const name = raw.startsWith('"') ? raw.slice(1, -1).replaceAll('""', '"') : raw.toLowerCase();
    const bytes = Buffer.from(name, "utf8");
    if (bytes.length <= MAX_IDENTIFIER_BYTES || seen.has(name)) continue;
    seen.add(name);
    const kept = bytes.subarray(0, MAX_IDENTIFIER_BYTES).toString("utf8").replace(/\uFFFD$/, "");
    hits.push({
      rule: "identifier-too-long", severity: "may-fail",
      message: `"${name}" is ${bytes.length} bytes: PostgreSQL silently truncates identifiers to ${MAX_IDENTIFIER_BYTES} ("${kept}"), so the object gets another name than Prisma's schema expects, and two long names sharing those ${MAX_IDENTIFIER_BYTES} bytes collide.`,
      advice: `Choose a name of at most ${MAX_IDENTIFIER_BYTES} bytes (in Prisma, map = "…" on @@index/@@unique/@relation).`,
    });
  }
  return hits;
}

function repeated(list: string[]): string[] {
  return [...new Set(list.filter((item, i) => list.indexOf(item) !== i))];
}

function duplicate(what: string, columns: string[]): Hit[] {
  if (columns.length === 0) return [];
  return [{
    rule: "duplicate-column", severity: "may-fail",
    message: `${what} names ${columns.map((c) => `"${c}"`).join(", ")} more than once: PostgreSQL rejects the statement and the migration fails.`,
    advice: "Name each column once.",
  }];
}

function duplicateColumns(statement: Statement, state: MigrationState): Hit[] {
  const hits = modifyingStatements(statement)
    .filter((modifying) => modifying.kind === "UpdateStmt")
    .flatMap((modifying) => duplicate(`UPDATE ${tableKey(modifying.node.relation)} SET`, repeated(targetColumns(modifying.node))));
  switch (statement.kind) {
    case "InsertStmt": {
      const insert = statement.node as InsertStmt;
      return [...hits, ...duplicate(`INSERT INTO ${tableKey(insert.relation)} (…)`, repeated(columnNames(insert.cols)))];
    }
    case "CreateStmt": {
      const create = statement.node as CreateStmt;
      const columns = (create.tableElts ?? []).flatMap((element) => ("ColumnDef" in element && element.ColumnDef.colname ? [element.ColumnDef.colname] : []));
      return [...hits, ...duplicate(`CREATE TABLE ${tableKey(create.relation)}`, repeated(columns))];
    }
    case "AlterTableStmt": {
      const alter = statement.node as AlterTableStmt;
      const table = tableKey(alter.relation);
      const added = (alter.cmds ?? []).flatMap((cmd) => {
        if (!("AlterTableCmd" in cmd) || cmd.AlterTableCmd.subtype !== "AT_AddColumn" || cmd.AlterTableCmd.missing_ok) return [];
        const def = cmd.AlterTableCmd.def;
        return def && "ColumnDef" in def && def.ColumnDef.colname ? [def.ColumnDef.colname] : [];
      });
      const existing = added.filter((column) => findColumn(state.model, table, column) !== undefined);
      return [
        ...hits,
        ...duplicate(`ALTER TABLE ${table} ADD COLUMN`, repeated(added)),
        ...(existing.length > 0 ? duplicate(`ALTER TABLE ${table} ADD COLUMN (the table already has it, from an earlier migration)`, existing) : []),
      ];
    }
    default:
      return hits;
  }
}

function columnNames(cols: Node[] | undefined): string[] {
  return (cols ?? []).flatMap((col) => ("ResTarget" in col && col.ResTarget.name ? [col.ResTarget.name] : []));
}

