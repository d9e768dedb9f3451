// Synthetic Privy exports for the demo, the tests and the benchmark: the real
// 26-column layout, valid-looking ids, real base58 wallet addresses derived from
// a counter, example.com emails. Never real people.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import bs58 from "bs58";
import { PRIVY_COLUMNS, type Delimiter } from "./export-format.ts";

export type ExportRecord = Partial<Record<(typeof PRIVY_COLUMNS)[number] | string, string>>;

/** A 25-character Privy id ("c" + 24 of [a-z0-9]) unique per n. */
export function syntheticPrivyId(n: number, prefix = "cx"): string {
  return prefix + n.toString(36).padStart(25 - prefix.length, "0");
}

/** The privyDid of `scripts/lib/seed.ts`'s i-th user. */
export function seededPrivyDid(i: number): string {
  return `did:privy:cm${i.toString(16).padStart(23, "0")}`;
}

/** A valid Solana address (32 bytes, base58) unique per label. */
export function syntheticSolanaAddress(label: string | number): string {
  return bs58.encode(createHash("sha256").update(`synthetic-wallet-${label}`).digest());
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Date.toString() as Privy writes it, in UTC: "Sat Jul 05 2025 20:58:00 GMT+0000 (Coordinated Universal Time)". */
export function privyDateString(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, "0");
  return (
    `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${pad(date.getUTCDate())} ${date.getUTCFullYear()} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} GMT+0000 (Coordinated Universal Time)`
  );
}

/** The n-th synthetic user as an export record: every 3rd has no email, every 4th no external wallet. */
export function syntheticRecord(n: number, idPrefix = "cx"): ExportRecord {
  return {
    ID: syntheticPrivyId(n, idPrefix),
    "Created at": privyDateString(new Date(Date.UTC(2025, 2, 1) + n * 37_000)),
    "Is guest": "false",
    "MFA enabled": "false",
    "External Solana accounts": n % 4 === 0 ? " " : syntheticSolanaAddress(`ext-${idPrefix}-${n}`),
    "Embedded Solana accounts": syntheticSolanaAddress(`emb-${idPrefix}-${n}`),
    "Email account": n % 3 === 0 ? " " : `restored.${idPrefix}.user${n}@example.com`,
  };
}

export interface ExportLayout {
  delimiter?: Delimiter;
  bom?: boolean;
  crlf?: boolean;
  /** Header names in file order; default the 26 Privy columns. */
  columns?: string[];
  /** Quote every field (hand-edited exports often are). */
  quoteAll?: boolean;
}

function field(value: string, delimiter: string, quoteAll: boolean): string {
  if (quoteAll || value.includes(delimiter) || /["\r\n]/.test(value)) return `"${value.replaceAll('"', '""')}"`;
  return value;
}

/** One export line (with its line ending). Missing cells are empty, as Privy writes them. */
export function exportLine(values: string[], layout: ExportLayout = {}): string {
  const delimiter = layout.delimiter ?? "\t";
  return values.map((value) => field(value, delimiter, layout.quoteAll ?? false)).join(delimiter) + (layout.crlf ? "\r\n" : "\n");
}

export function exportText(records: ExportRecord[], layout: ExportLayout = {}): string {
  const columns = layout.columns ?? [...PRIVY_COLUMNS];
  const lines = [exportLine(columns, layout), ...records.map((record) => exportLine(columns.map((name) => record[name] ?? ""), layout))];
  return (layout.bom ? "\uFEFF" : "") + lines.join("");
}

/** Streams `count` synthetic records (numbered from `first`) into a TSV file in the real Privy layout, in flat memory. */
export async function writeSyntheticExport(file: string, count: number, first = 1, idPrefix = "cx"): Promise<void> {
  const out = createWriteStream(file, { mode: 0o600 });
  const columns = [...PRIVY_COLUMNS];
  let chunk = exportLine(columns);
  for (let n = first; n < first + count; n++) {
    const record = syntheticRecord(n, idPrefix);
    chunk += exportLine(columns.map((name) => record[name] ?? ""));
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, "drain");
      chunk = "";
    }
  }
  out.end(chunk);
  await once(out, "finish");
}
