// Sequences after a restore. A formatVersion 2 set holds every sequence's
// state (last_value, is_called), read with the rows: empty and replace set
// each back exactly; skip-existing sets one only where that moves it forward
// (a descending sequence forward is down), so values already handed out are
// never issued twice. Restored are the sequences the restored tables' columns
// draw from, and — when the whole set is restored — free-standing ones too.
// A formatVersion 1 set recorded none: serial and identity sequences of the
// restored tables are then moved past the restored maxima, as before.
// setval is not transactional, so it runs last, just before COMMIT.
import type pg from "pg";
import type { BackupSequence, BackupSummary } from "../backup/index.ts";
import { qualifiedName, quoteIdent } from "../db.ts";
import { tableKey, type TableRef } from "../tables.ts";
import { ownedSequences } from "./catalog.ts";
import type { RestoreMode } from "./plan.ts";

export interface SequenceReset {
  /** schema.name */
  sequence: string;
  /** The columns drawing from it, "table.column" (empty for a free-standing sequence). */
  usedBy: string[];
  /** The state it was (or, in a dry run, would be) set to. */
  value: string;
  isCalled: boolean;
  /** Its state before. */
  previous: string;
}

export interface SequenceOutcome {
  set: SequenceReset[];
  /** One per sequence of the set the database does not have, for the report. */
  warnings: string[];
}

/** The sequences a restore of `tables` sets: those their columns draw from, and free-standing ones when the whole set is restored. */
export function sequencesToRestore(sequences: BackupSequence[], tables: TableRef[], wholeSet: boolean): BackupSequence[] {
  const restored = new Set(tables.map(tableKey));
  return sequences.filter((sequence) =>
    sequence.usedBy.length === 0 ? wholeSet : sequence.usedBy.some((use) => restored.has(tableKey({ schema: use.schema, name: use.table }))),
  );
}

/** The value nextval would hand out next. */
function nextValue(lastValue: bigint, isCalled: boolean, increment: bigint): bigint {
  return isCalled ? lastValue + increment : lastValue;
}

export async function restoreSequences(
  client: pg.PoolClient,
  summary: BackupSummary,
  tables: TableRef[],
  options: { mode: RestoreMode; wholeSet: boolean; apply: boolean },
): Promise<SequenceOutcome> {
  if (!summary.sequences) return { set: await moveOwnedPastMaxima(client, tables, options.apply), warnings: [] };
  const chosen = sequencesToRestore(summary.sequences, tables, options.wholeSet);
  const outcome: SequenceOutcome = { set: [], warnings: [] };
  const names = chosen.map((sequence) => qualifiedName(sequence.schema, sequence.name));
  const existing = await client.query<{ name: string }>(
    `SELECT name FROM unnest($1::text[]) AS name WHERE (SELECT relkind FROM pg_class WHERE oid = to_regclass(name)) = 'S'`,
    [names],
  );
  const exists = new Set(existing.rows.map((row) => row.name));
  for (const [i, sequence] of chosen.entries()) {
    const name = names[i]!;
    if (!exists.has(name)) {
      outcome.warnings.push(`sequence ${sequence.schema}.${sequence.name} is in the backup but not in the database: not restored`);
      continue;
    }
    const state = (
      await client.query<{ last_value: string; is_called: boolean; increment: string }>(
        `SELECT s.last_value::text AS last_value, s.is_called, q.seqincrement::text AS increment
           FROM ${name} s, pg_sequence q WHERE q.seqrelid = $1::regclass`,
        [name],
      )
    ).rows[0]!;
    if (options.mode === "skip-existing" && !movesForward(sequence, state)) continue;
    if (options.apply) await client.query(`SELECT setval($1::regclass, $2::bigint, $3)`, [name, sequence.lastValue, sequence.isCalled]);
    outcome.set.push({
      sequence: `${sequence.schema}.${sequence.name}`,
      usedBy: sequence.usedBy.map((use) => `${use.schema}.${use.table}.${use.column}`),
      value: sequence.lastValue,
      isCalled: sequence.isCalled,
      previous: `${state.last_value}${state.is_called ? "" : " (not called)"}`,
    });
  }
  return outcome;
}

function movesForward(backup: BackupSequence, current: { last_value: string; is_called: boolean; increment: string }): boolean {
  const increment = BigInt(current.increment);
  const wanted = nextValue(BigInt(backup.lastValue), backup.isCalled, increment);
  const now = nextValue(BigInt(current.last_value), current.is_called, increment);
  return increment > 0n ? wanted > now : wanted < now;
}

/**
 * formatVersion 1: serial and identity sequences of the restored tables moved
 * past the column's maximum (never backwards); the maximum includes
 * inheritance children, which draw from the parent's sequence.
 */
async function moveOwnedPastMaxima(client: pg.PoolClient, tables: TableRef[], apply: boolean): Promise<SequenceReset[]> {
  const resets: SequenceReset[] = [];
  for (const owned of await ownedSequences(client, tables)) {
    const result = await client.query<{ value: string; previous: string }>(
      `SELECT x.m::text AS value, s.last_value::text AS previous
         FROM (SELECT max(${quoteIdent(owned.column)})::bigint AS m FROM ${qualifiedName(owned.schema, owned.table)}) x,
              ${owned.sequence} s
        WHERE x.m IS NOT NULL AND (x.m > s.last_value OR (NOT s.is_called AND x.m = s.last_value))`,
    );
    const row = result.rows[0];
    if (!row) continue;
    if (apply) await client.query(`SELECT setval($1::regclass, $2::bigint)`, [owned.sequence, row.value]);
    resets.push({
      sequence: owned.label,
      usedBy: [`${owned.schema}.${owned.table}.${owned.column}`],
      value: row.value,
      isCalled: true,
      previous: row.previous,
    });
  }
  return resets;
}
