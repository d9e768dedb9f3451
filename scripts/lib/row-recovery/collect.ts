// Finding the rows to put back without loading whole tables. Each pass
// streams the files that have something to look for, once each, through the
// strict RowParser, with key filters that grow as rows are found:
//   - seeds: rows whose --rows column holds one of the values;
//   - children: rows whose foreign key points at a seed or a row being put
//     back (followed transitively: the likes on a restored comment);
//   - parents: rows a row being put back references and the live database
//     lacks (put back too, but their own children are not followed — only
//     what the selection needs comes back).
// A candidate the live database already holds (by primary key) is counted
// present and not followed further; if one of its foreign keys to a restored
// row is NULL now but set in the backup (ON DELETE SET NULL), it is a link —
// found in whichever pass that row turns up, so a present row is read again.
// A table that references itself, or a cycle, makes a file dirty again after
// it was read: passes repeat until no filter grew. Memory holds the filters
// and the found rows, never a table.
import type pg from "pg";
import { readTableRowBatches, RowFormatError, RowParser, type BackupSummary } from "../backup/index.ts";
import { OperationError } from "../errors.ts";
import { tableKey, type ForeignKey, type TableInfo } from "../tables.ts";
import type { PlannedTable } from "../restore/plan.ts";
import { liveRows, type Tuple } from "./live-rows.ts";
import { Token } from "../backup/row-parser.ts";

export interface SeedFilter {
  planned: PlannedTable;
  column: string;
  values: string[];
}

/** A live row whose foreign key to a restored row is NULL now and was set in the backup. */
export interface Link {
  /** The live row's table (as reports name it) and the restored row's. */
  label: string;
  child: TableInfo;
  parent: TableInfo;
  /** The live row's primary key. */
  key: Tuple;
  foreignKey: ForeignKey;
  /** The foreign key's values in the backup. */
  values: Tuple;
}

export interface FoundTable {
  planned: PlannedTable;
  /** Rows to put back, each row's JSON bytes as the file holds them. */
  rows: Buffer[];
  /** Their primary keys (empty tuples for a table without one). */
  keys: Tuple[];
  /** Candidates the live database holds already. */
  present: number;
  /** Times its file was read. */
  scans: number;
}

export interface Collected {
  tables: FoundTable[];
  links: Link[];
  passes: number;
  /** Seed values no row of the set holds, as "Table.column=value". */
  unmatched: string[];
}

/** Candidates checked against the live database per statement. */
const RESOLVE_BATCH = 2000;
/** Up to this many values, a file's batches and rows are skipped unless their bytes hold one. */
const MAX_NEEDLES = 16;
/** Values searched for as bytes: printable ASCII that JSON never escapes. */
const PLAIN_TEXT = /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/;

interface Edge {
  fk: ForeignKey;
  child: Scan;
  parent: Scan;
  childColumns: number[];
  parentColumns: number[];
  /** Parent tuples of seeds and rows put back through children: their children are candidates. */
  expanded: Set<string>;
  /** Parent tuples that exist, live or put back: a row referencing one needs no lookup. */
  known: Set<string>;
  /** Child tuples whose parent the live database lacks: to be found in the parent's file. */
  wanted: Set<string>;
  /** Sizes of `expanded` and `wanted` when the child's and the parent's files were last read. */
  expandedRead: number;
  wantedRead: number;
}

interface Scan extends FoundTable {
  parser: RowParser;
  /** Backup column indexes of the primary key; null when the restore does not load one. */
  keyColumns: number[] | null;
  seeds: { column: number; values: Set<string>; matched: Set<string>; label: string }[];
  outgoing: Edge[];
  incoming: Edge[];
  /** Rows (by their place in the file) being put back: decided for good. */
  restoring: Set<number>;
  /** Rows found present: counted once, but read again in later passes, for links to rows found since. */
  presentAt: Set<number>;
  /** Links found, as "row:edge", each listed once. */
  linked: Set<string>;
}

interface Candidate {
  ordinal: number;
  row: Buffer;
  key: Tuple;
  seed: boolean;
  /** Outgoing edges through which it was found (its parent is expanded). */
  childOf: Edge[];
  /** Its tuple for each outgoing and incoming edge (JSON text, null when a value is NULL). */
  out: (string | null)[];
  in: (string | null)[];
}

/** The value of backup column `column` in the row just parsed, as text (null for SQL NULL). */
function valueText(parser: RowParser, row: Buffer, column: number): string | null {
  const start = parser.start[column]!;
  const end = parser.end[column]!;
  switch (parser.token[column]) {
    case Token.Null:
      return parser.jsonNull(column) ? "null" : null;
    case Token.String:
      return JSON.parse(row.toString("utf8", start, end)) as string;
    default:
      return row.toString("utf8", start, end);
  }
}

/** A foreign key's columns of the parsed row as one comparable text; null when one is NULL (MATCH SIMPLE: it references nothing). */
function tupleText(parser: RowParser, row: Buffer, columns: number[]): string | null {
  const values = columns.map((column) => valueText(parser, row, column));
  return values.includes(null) ? null : JSON.stringify(values);
}

function columnIndexes(planned: PlannedTable, names: string[]): number[] | null {
  const indexes = names.map((name) => (planned.columns.includes(name) ? planned.entry.columns.findIndex((column) => column.name === name) : -1));
  return indexes.includes(-1) ? null : indexes;
}

export async function collectRows(input: {
  client: pg.PoolClient;
  summaryPath: string;
  summary: BackupSummary;
  /** Every table of the restore plan, parents first. */
  tables: PlannedTable[];
  seeds: SeedFilter[];
  encryptionKey?: string;
}): Promise<Collected> {
  const scans = input.tables.map((planned): Scan => {
    const { primaryKey } = planned.table;
    return {
      planned,
      rows: [],
      keys: [],
      present: 0,
      scans: 0,
      parser: new RowParser(planned.entry.columns, input.summary.formatVersion),
      keyColumns: primaryKey.length > 0 ? columnIndexes(planned, primaryKey) : null,
      seeds: input.seeds
        .filter((seed) => seed.planned === planned)
        .map((seed) => ({
          column: planned.entry.columns.findIndex((column) => column.name === seed.column),
          values: new Set(seed.values),
          matched: new Set<string>(),
          label: `${planned.label}.${seed.column}`,
        })),
      outgoing: [],
      incoming: [],
      restoring: new Set(),
      presentAt: new Set(),
      linked: new Set(),
    };
  });
  const byKey = new Map(scans.map((scan) => [tableKey(scan.planned.table), scan]));
  for (const child of scans) {
    for (const fk of child.planned.table.foreignKeys) {
      const parent = byKey.get(tableKey({ schema: fk.referencedSchema, name: fk.referencedTable }));
      const childColumns = columnIndexes(child.planned, fk.columns);
      const parentColumns = parent ? columnIndexes(parent.planned, fk.referencedColumns) : null;
      if (!parent || !childColumns || !parentColumns) continue;
      const edge: Edge = {
        fk, child, parent, childColumns, parentColumns,
        expanded: new Set(), known: new Set(), wanted: new Set(), expandedRead: 0, wantedRead: 0,
      };
      child.outgoing.push(edge);
      parent.incoming.push(edge);
    }
  }

  // A seed value in the one column a foreign key references is that key's value in the seed row: rows referencing
  // it are candidates from the first pass on (a user's referrals are found in the same read of User as the user).
  for (const scan of scans) {
    for (const filter of scan.seeds) {
      for (const edge of scan.incoming.filter((candidate) => candidate.parentColumns.length === 1 && candidate.parentColumns[0] === filter.column)) {
        for (const value of filter.values) edge.expanded.add(JSON.stringify([value]));
      }
    }
  }

  const links: Link[] = [];
  const dirty = (scan: Scan) =>
    (scan.scans === 0 && scan.seeds.length > 0) ||
    scan.outgoing.some((edge) => edge.expanded.size > edge.expandedRead) ||
    scan.incoming.some((edge) => edge.wanted.size > edge.wantedRead);

  let passes = 0;
  while (scans.some(dirty)) {
    passes++;
    for (const scan of scans) {
      if (dirty(scan)) await read(scan);
    }
  }

  async function read(scan: Scan): Promise<void> {
    scan.scans++;
    const children = scan.outgoing.filter((edge) => edge.expanded.size > 0);
    const parents = scan.incoming.filter((edge) => edge.wanted.size > 0);
    // Taken as the read starts: what the filters gain during it makes the file dirty for the next pass.
    for (const edge of scan.outgoing) edge.expandedRead = edge.expanded.size;
    for (const edge of scan.incoming) edge.wantedRead = edge.wanted.size;
    const needles = needlesFor(scan, children, parents);
    const { parser, planned } = scan;
    let ordinal = 0;
    let pending: Candidate[] = [];
    for await (const batch of readTableRowBatches(input.summaryPath, planned.entry, { encryptionKey: input.encryptionKey, singlePass: true })) {
      if (needles && !holdsAny(batch, needles)) {
        ordinal += batch.length;
        continue;
      }
      for (const row of batch) {
        const place = ordinal++;
        if (scan.restoring.has(place) || (needles && !needles.some((needle) => row.includes(needle)))) continue;
        try {
          parser.parse(row);
        } catch (error) {
          if (!(error instanceof RowFormatError)) throw error;
          throw new OperationError(`${planned.entry.file}: row ${place + 1}: ${error.message}; restore from another backup set`);
        }
        let seed = false;
        for (const filter of scan.seeds) {
          const value = valueText(parser, row, filter.column);
          if (value !== null && filter.values.has(value)) {
            filter.matched.add(value);
            seed = true;
          }
        }
        const out = scan.outgoing.map((edge) => tupleText(parser, row, edge.childColumns));
        const childOf = scan.outgoing.filter((edge, i) => children.includes(edge) && out[i] != null && edge.expanded.has(out[i]));
        const incoming = scan.incoming.map((edge) => tupleText(parser, row, edge.parentColumns));
        const parentFor = scan.incoming.some((edge, i) => parents.includes(edge) && incoming[i] != null && edge.wanted.has(incoming[i]));
        if (!seed && childOf.length === 0 && !parentFor) continue;
        const key = scan.keyColumns ? scan.keyColumns.map((column) => valueText(parser, row, column)) : [];
        pending.push({ ordinal: place, row: Buffer.from(row), key, seed, childOf, out, in: incoming });
        if (pending.length >= RESOLVE_BATCH) {
          await resolve(scan, pending);
          pending = [];
        }
      }
    }
    if (pending.length > 0) await resolve(scan, pending);
  }

  /** Decides each candidate: present (maybe a link) or put back, and grows the filters. */
  async function resolve(scan: Scan, candidates: Candidate[]): Promise<void> {
    const { table } = scan.planned;
    const live = scan.keyColumns
      ? await liveRows(input.client, table, table.primaryKey, candidates.map((c) => c.key), scan.outgoing.map((edge) => edge.fk.columns))
      : new Map<number, boolean[]>();
    const needParent = new Map<Edge, Set<string>>();
    for (const [i, candidate] of candidates.entries()) {
      const nulls = live.get(i);
      if (nulls) {
        if (!scan.presentAt.has(candidate.ordinal)) {
          scan.presentAt.add(candidate.ordinal);
          scan.present++;
        }
        if (candidate.seed) record(scan, candidate, true);
        for (const edge of candidate.childOf) {
          const at = scan.outgoing.indexOf(edge);
          const link = `${candidate.ordinal}:${at}`;
          if (nulls[at] && !scan.linked.has(link)) {
            scan.linked.add(link);
            links.push({ label: scan.planned.label, child: table, parent: edge.parent.planned.table, key: candidate.key, foreignKey: edge.fk, values: JSON.parse(candidate.out[at]!) as Tuple });
          }
        }
        continue;
      }
      scan.restoring.add(candidate.ordinal);
      scan.rows.push(candidate.row);
      scan.keys.push(candidate.key);
      record(scan, candidate, candidate.seed || candidate.childOf.length > 0);
      scan.outgoing.forEach((edge, at) => {
        const tuple = candidate.out[at];
        if (tuple == null || edge.known.has(tuple) || edge.wanted.has(tuple)) return;
        needParent.set(edge, (needParent.get(edge) ?? new Set()).add(tuple));
      });
    }
    for (const [edge, tuples] of needParent) {
      const list = [...tuples];
      const found = await liveRows(input.client, edge.parent.planned.table, edge.fk.referencedColumns, list.map((tuple) => JSON.parse(tuple) as Tuple));
      list.forEach((tuple, i) => (found.has(i) ? edge.known : edge.wanted).add(tuple));
    }
  }

  /** A seed or a row put back: rows referencing it exist from now on, and, when `follow`, are candidates. */
  function record(scan: Scan, candidate: Candidate, follow: boolean): void {
    scan.incoming.forEach((edge, at) => {
      const tuple = candidate.in[at];
      if (tuple == null) return;
      if (follow) edge.expanded.add(tuple);
      edge.known.add(tuple);
    });
  }

  const unmatched = scans.flatMap((scan) =>
    scan.seeds.flatMap((filter) => [...filter.values].filter((value) => !filter.matched.has(value)).map((value) => `${filter.label}=${value}`)),
  );
  return { tables: scans.map(({ planned, rows, keys, present, scans: reads }) => ({ planned, rows, keys, present, scans: reads })), links, passes, unmatched };
}

/** The values being looked for in a file, as bytes any row holding one must contain; null when there are too many to search for. */
function needlesFor(scan: Scan, children: Edge[], parents: Edge[]): Buffer[] | null {
  const values = new Set<string>();
  for (const filter of scan.seeds) for (const value of filter.values) values.add(value);
  for (const tuples of [...children.map((edge) => edge.expanded), ...parents.map((edge) => edge.wanted)]) {
    if (values.size > MAX_NEEDLES) return null;
    // One column of each tuple is enough to find the row; the filter then checks them all.
    for (const tuple of tuples) values.add((JSON.parse(tuple) as string[])[0]!);
  }
  if (values.size > MAX_NEEDLES || [...values].some((value) => !PLAIN_TEXT.test(value))) return null;
  // The backup writes these characters as themselves (copy-to-json.ts): a string column holds the value's bytes, a number column its digits.
  return [...values].map((value) => Buffer.from(value));
}

/** Whether the bytes of a batch hold one of the needles (rows cut from one chunk are searched at once). */
function holdsAny(batch: Buffer[], needles: Buffer[]): boolean {
  const first = batch[0]!;
  const last = batch[batch.length - 1]!;
  const contiguous = first.buffer === last.buffer && last.byteOffset >= first.byteOffset;
  const spans = contiguous ? [Buffer.from(first.buffer, first.byteOffset, last.byteOffset + last.length - first.byteOffset)] : batch;
  return spans.some((span) => needles.some((needle) => span.includes(needle)));
}
