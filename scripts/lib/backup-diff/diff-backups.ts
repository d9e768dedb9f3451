// diffBackups: what differs between two backup sets, or between a set and the
// live database — per table, the rows only on one side and the rows present on
// both but changed (and in which columns), matched by primary key.
import type { DatabaseTarget } from "../config.ts";
import { UsageError } from "../errors.ts";
import { MIGRATIONS_TABLE } from "../migrations-state.ts";
import { tableKey, tableLabel } from "../tables.ts";
import { entryLabel, readSummary, resolveSummaryPath, summarySchemas, type BackupSummary } from "../backup/summary.ts";
import { selectEntries } from "../restore/plan.ts";
import { compareTable, type TableComparison } from "./compare-table.ts";
import { openLiveDatabase, setTableSide, type LiveDatabase, type TableSide } from "./sides.ts";

export interface DiffOptions {
  /** A set as --from takes it: a summary location, "latest" or "latest~N". */
  a: string;
  /** The other set; or `againstDb`. */
  b?: string;
  againstDb?: DatabaseTarget;
  /** Where "latest" is looked for. */
  backupDir: string;
  /** Tables as --tables names them (table, schema.table, model or file name), in set A; default every table. */
  tables?: string[];
  /** Keys shown per kind of difference and table. */
  show: number;
  encryptionKey?: string;
  /** Rows out of step a table's aligned comparison may hold, and rows of one side its hash join may, before it spills to disk (tests lower it). */
  rowBudget?: number;
  scratchParent?: string;
}

export interface SideDescription {
  /** The set's summary, or null for the live database. */
  summaryPath: string | null;
  /** The set's timestamp, or the database (host/name). */
  label: string;
}

export interface TableDiff extends TableComparison {
  table: string;
  rowsA: number;
  rowsB: number;
}

export interface DiffReport {
  a: SideDescription;
  b: SideDescription;
  tables: TableDiff[];
  /** Tables one side holds and the other has not, with their row counts (only without --tables). */
  tablesOnlyInA: { table: string; rows: number }[];
  tablesOnlyInB: { table: string; rows: number }[];
  /** Anything at all differs. */
  differs: boolean;
}

export const DEFAULT_ROW_BUDGET = 250_000;

interface OtherSide {
  description: SideDescription;
  /** Tables by tableKey, with their labels and how to read them. */
  tables: Map<string, { label: string; side: () => Promise<TableSide> }>;
  close(): Promise<void>;
}

async function otherSet(reference: string, options: DiffOptions): Promise<OtherSide> {
  const summaryPath = await resolveSummaryPath(reference, options.backupDir);
  const summary = await readSummary(summaryPath);
  const entries = summary.tables.filter((entry) => entry.name !== MIGRATIONS_TABLE);
  return {
    description: { summaryPath, label: summary.timestamp },
    tables: new Map(
      entries.map((entry) => [
        tableKey(entry),
        { label: entryLabel(summary, entry), side: async () => setTableSide(summaryPath, summary, entry, options.encryptionKey) },
      ]),
    ),
    close: async () => {},
  };
}

function liveSide(live: LiveDatabase, summaryA: BackupSummary): OtherSide {
  const tables = [...live.tables.values()].filter((table) => table.name !== MIGRATIONS_TABLE);
  return {
    description: { summaryPath: null, label: live.description },
    tables: new Map(
      tables.map((table) => {
        const label = tableLabel(table, summaryA.database.schema);
        return [tableKey(table), { label, side: () => live.side(table, label) }];
      }),
    ),
    close: () => live.close(),
  };
}

export async function diffBackups(options: DiffOptions): Promise<DiffReport> {
  if ((options.b === undefined) === (options.againstDb === undefined)) {
    throw new UsageError("give a second set to compare with, or --against-db for the live database (one of the two)");
  }
  const summaryPathA = await resolveSummaryPath(options.a, options.backupDir);
  const summaryA = await readSummary(summaryPathA);
  const entries = selectEntries(summaryA, options.tables);
  const other = options.againstDb
    ? liveSide(await openLiveDatabase(options.againstDb, summarySchemas(summaryA)), summaryA)
    : await otherSet(options.b!, options);
  try {
    const tables: TableDiff[] = [];
    const tablesOnlyInA: DiffReport["tablesOnlyInA"] = [];
    for (const entry of entries) {
      const label = entryLabel(summaryA, entry);
      const match = other.tables.get(tableKey(entry));
      if (!match) {
        tablesOnlyInA.push({ table: label, rows: entry.rows });
        continue;
      }
      const sideA = setTableSide(summaryPathA, summaryA, entry, options.encryptionKey);
      const sideB = await match.side();
      const comparison = await compareTable(sideA, sideB, {
        show: options.show,
        rowBudget: options.rowBudget ?? DEFAULT_ROW_BUDGET,
        scratchParent: options.scratchParent,
      });
      tables.push({ table: label, rowsA: sideA.rows, rowsB: sideB.rows, ...comparison });
    }
    const tablesOnlyInB: DiffReport["tablesOnlyInB"] = [];
    if (!options.tables) {
      const inA = new Set(entries.map(tableKey));
      for (const [key, match] of other.tables) if (!inA.has(key)) tablesOnlyInB.push({ table: match.label, rows: (await match.side()).rows });
    }
    const differs =
      tablesOnlyInA.length > 0 ||
      tablesOnlyInB.length > 0 ||
      tables.some((table) => table.onlyInA + table.onlyInB + table.changed > 0 || table.columnsOnlyInA.length + table.columnsOnlyInB.length > 0);
    return { a: { summaryPath: summaryPathA, label: summaryA.timestamp }, b: other.description, tables, tablesOnlyInA, tablesOnlyInB, differs };
  } finally {
    await other.close();
  }
}
