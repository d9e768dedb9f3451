// What is in the database, read from the catalog (not from the Prisma schema):
// every table, its columns and keys, and the foreign-key order in which tables
// can be loaded. Backup and restore both work from this.
import type pg from "pg";

export interface ColumnInfo {
  name: string;
  /** format_type(), e.g. "timestamp(3) without time zone", "\"PointActionType\"", "text[]". */
  type: string;
  notNull: boolean;
  hasDefault: boolean;
  /** 'a' (ALWAYS) or 'd' (BY DEFAULT) identity, '' otherwise. */
  identity: "" | "a" | "d";
  generated: boolean;
}

export interface ForeignKey {
  name: string;
  table: string;
  columns: string[];
  referencedTable: string;
  referencedColumns: string[];
  deferrable: boolean;
}

export interface TableInfo {
  schema: string;
  name: string;
  /** The Prisma model mapped to this table, when there is one. */
  model: string | null;
  columns: ColumnInfo[];
  primaryKey: string[];
  /** Outgoing foreign keys (this table references another). */
  foreignKeys: ForeignKey[];
  /** pg_class.reltuples: the planner's estimate, cheap to read (-1 = never analyzed). */
  estimatedRows: number;
}

/** Schema named by the URL's ?schema= (Prisma's convention), else public. */
export function schemaFromUrl(url: string): string {
  try {
    return new URL(url).searchParams.get("schema") || "public";
  } catch {
    return "public";
  }
}

export async function discoverTables(
  db: pg.Pool | pg.PoolClient | pg.Client,
  schema = "public",
  modelsByTable: Map<string, string> = new Map(),
): Promise<TableInfo[]> {
  const tables = await db.query<{ name: string; estimated_rows: string }>(
    `SELECT c.relname AS name, c.reltuples::bigint::text AS estimated_rows
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      ORDER BY c.relname`,
    [schema],
  );
  const columns = await db.query<{
    table: string; name: string; type: string; not_null: boolean; has_default: boolean; identity: string; generated: string;
  }>(
    `SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS not_null, a.atthasdef AS has_default, a.attidentity AS identity, a.attgenerated AS generated
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY c.relname, a.attnum`,
    [schema],
  );
  const constraints = await db.query<{
    table: string; name: string; kind: "p" | "f"; columns: string[]; referenced_table: string | null;
    referenced_columns: string[] | null; deferrable: boolean;
  }>(
    `SELECT c.relname AS table, con.conname AS name, con.contype AS kind,
            ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(attnum, i)
                  JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.i)::text[] AS columns,
            rc.relname AS referenced_table,
            CASE WHEN con.contype = 'f' THEN
              ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(attnum, i)
                    JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.i)::text[]
            END AS referenced_columns,
            con.condeferrable AS deferrable
       FROM pg_constraint con
       JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_class rc ON rc.oid = con.confrelid
      WHERE n.nspname = $1 AND con.contype IN ('p', 'f')
      ORDER BY c.relname, con.conname`,
    [schema],
  );

  return tables.rows.map(({ name, estimated_rows }) => ({
    schema,
    name,
    model: modelsByTable.get(name) ?? null,
    columns: columns.rows
      .filter((column) => column.table === name)
      .map((column) => ({
        name: column.name,
        type: column.type,
        notNull: column.not_null,
        hasDefault: column.has_default,
        identity: column.identity as ColumnInfo["identity"],
        generated: column.generated !== "",
      })),
    primaryKey: constraints.rows.find((con) => con.table === name && con.kind === "p")?.columns ?? [],
    foreignKeys: constraints.rows
      .filter((con) => con.table === name && con.kind === "f")
      .map((con) => ({
        name: con.name,
        table: name,
        columns: con.columns,
        referencedTable: con.referenced_table ?? "",
        referencedColumns: con.referenced_columns ?? [],
        deferrable: con.deferrable,
      })),
    estimatedRows: Number(estimated_rows),
  }));
}

export interface LoadOrder {
  /** Parents before children. */
  order: string[];
  /** Foreign keys from a table to itself (User.referredBy): load rows, then these columns. */
  selfReferences: ForeignKey[];
  /** Foreign keys that close a cycle between tables; they must be deferred or filled in afterwards. */
  cycleBreakers: ForeignKey[];
}

/**
 * Foreign-key dependency order (Kahn's algorithm, ties broken by name so the
 * order is stable). Self-references are set aside; in a cycle, the edge from
 * the alphabetically first remaining table is broken and reported.
 */
export function foreignKeyOrder(tables: TableInfo[]): LoadOrder {
  const names = new Set(tables.map((table) => table.name));
  const selfReferences: ForeignKey[] = [];
  const cycleBreakers: ForeignKey[] = [];
  let edges: ForeignKey[] = [];
  for (const fk of tables.flatMap((table) => table.foreignKeys)) {
    if (fk.referencedTable === fk.table) selfReferences.push(fk);
    else if (names.has(fk.referencedTable)) edges.push(fk);
  }

  const order: string[] = [];
  const remaining = new Set([...names].sort());
  while (remaining.size > 0) {
    const ready = [...remaining].filter((name) => !edges.some((fk) => fk.table === name && remaining.has(fk.referencedTable)));
    if (ready.length === 0) {
      const stuck = [...remaining][0]!;
      const broken = edges.filter((fk) => fk.table === stuck && remaining.has(fk.referencedTable));
      cycleBreakers.push(...broken);
      edges = edges.filter((fk) => !broken.includes(fk));
      continue;
    }
    for (const name of ready) {
      order.push(name);
      remaining.delete(name);
    }
  }
  return { order, selfReferences, cycleBreakers };
}
