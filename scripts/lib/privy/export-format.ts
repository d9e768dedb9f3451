// The Privy.io user export: which file to read, its delimiter and the columns
// this tool uses, found by name in the header row.
import { open, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { OperationError, UsageError } from "../errors.ts";

/** The 26 columns of a real Privy export, in its order (tab-separated). */
export const PRIVY_COLUMNS = [
  "ID", "Created at", "Custom metadata", "Is guest", "MFA enabled", "External Ethereum accounts",
  "External Solana accounts", "Embedded Ethereum accounts", "Embedded Solana accounts", "Smart wallet accounts",
  "Email account", "Phone account", "Google account", "Apple account", "Spotify account", "LinkedIn account",
  "Twitter account", "Discord account", "GitHub account", "Instagram account", "TikTok account", "LINE account",
  "Telegram account", "Farcaster account", "Custom auth account", "Passkey account",
] as const;

/** The columns the import reads; only `id` is required. */
export const USED_COLUMNS = {
  id: "ID",
  createdAt: "Created at",
  externalSolana: "External Solana accounts",
  embeddedSolana: "Embedded Solana accounts",
  email: "Email account",
} as const;

export type UsedColumn = keyof typeof USED_COLUMNS;

export type Delimiter = "\t" | "," | ";";

export const DELIMITER_NAMES: Record<Delimiter, string> = { "\t": "tab", ",": "comma", ";": "semicolon" };

export interface ExportHeader {
  delimiter: Delimiter;
  /** Header names as written in the file (BOM removed). */
  names: string[];
  /** Field index of each used column found; `id` is always present. */
  columns: { id: number } & Partial<Record<UsedColumn, number>>;
}

/** "Created at", "created_at", " CREATED AT " -> "createdat": names match case-, space- and underscore-insensitively. */
export function normalizeColumnName(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, "");
}

const HEADER_READ_LIMIT = 1024 * 1024;

/** The header line's text (up to the first line break outside quotes), BOM removed; "" for an empty file. */
async function readHeaderLine(file: string): Promise<string> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(HEADER_READ_LIMIT);
    const { bytesRead } = await handle.read(buffer, 0, HEADER_READ_LIMIT, 0);
    let text = buffer.subarray(0, bytesRead).toString("utf8");
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    let inQuotes = false;
    for (let i = 0; i < text.length; i++) {
      const char = text[i];
      if (char === '"') inQuotes = !inQuotes;
      else if ((char === "\n" || char === "\r") && !inQuotes) return text.slice(0, i);
    }
    if (bytesRead === HEADER_READ_LIMIT) {
      throw new UsageError(`${file}: the first line is longer than 1 MiB; this is not a Privy export (expected a header row with an ID column)`);
    }
    return text;
  } finally {
    await handle.close();
  }
}

/** The delimiter (tab, comma or semicolon) that occurs most often outside quotes in the header; comma when none does. */
export function detectDelimiter(headerLine: string): Delimiter {
  const counts: Record<Delimiter, number> = { "\t": 0, ",": 0, ";": 0 };
  let inQuotes = false;
  for (const char of headerLine) {
    if (char === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (char === "\t" || char === "," || char === ";")) counts[char]++;
  }
  const ranked = (Object.keys(counts) as Delimiter[]).sort((a, b) => counts[b] - counts[a]);
  const best = ranked[0] ?? ",";
  return counts[best] > 0 ? best : ",";
}

/** Reads and checks the header: a missing ID column is a usage error that lists the columns found. */
export async function readExportHeader(file: string): Promise<ExportHeader> {
  const line = await readHeaderLine(file);
  if (line.trim() === "") {
    throw new UsageError(`${file} is empty: expected a Privy export whose first row names the columns (ID, Created at, …)`);
  }
  const delimiter = detectDelimiter(line);
  const [names = []] = parse(line, { delimiter, relax_quotes: true, relax_column_count: true }) as string[][];
  const trimmed = names.map((name) => name.trim());
  const columns: Partial<Record<UsedColumn, number>> = {};
  for (const [key, expected] of Object.entries(USED_COLUMNS) as [UsedColumn, string][]) {
    const matches = trimmed.flatMap((name, index) => (normalizeColumnName(name) === normalizeColumnName(expected) ? [index] : []));
    if (matches.length > 1) {
      throw new UsageError(
        `${file}: the column "${expected}" appears ${matches.length} times (fields ${matches.map((i) => i + 1).join(", ")}); keep one and re-run`,
      );
    }
    if (matches[0] !== undefined) columns[key] = matches[0];
  }
  if (columns.id === undefined) {
    const found = trimmed.map((name) => `"${name}"`).join(", ");
    throw new UsageError(
      `${file} has no ID column (${DELIMITER_NAMES[delimiter]}-separated; columns found: ${found}); ` +
        `a Privy export's first column is "ID" — rename the column holding the Privy user ids to ID`,
    );
  }
  return { delimiter, names: trimmed, columns: { ...columns, id: columns.id } };
}

/** FILE as given, or the newest *.csv / *.tsv in `directory`. */
export async function resolveExportFile(file: string | undefined, directory: string): Promise<string> {
  if (file) {
    const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
      throw new OperationError(`cannot read ${file}: ${error.code === "ENOENT" ? "no such file" : error.message}; check the path`);
    });
    if (!info.isFile()) throw new OperationError(`cannot read ${file}: not a regular file; pass the export file itself`);
    return file;
  }
  const entries = await readdir(directory).catch(() => [] as string[]);
  const exports = await Promise.all(
    entries
      .filter((name) => /\.(csv|tsv)$/i.test(name))
      .map(async (name) => {
        const full = path.join(directory, name);
        return { full, mtime: (await stat(full)).mtimeMs };
      }),
  );
  exports.sort((a, b) => b.mtime - a.mtime || a.full.localeCompare(b.full));
  const newest = exports[0];
  if (!newest) {
    throw new UsageError(`no export given and no *.csv or *.tsv file in ${directory}; pass FILE or put the Privy export there`);
  }
  return newest.full;
}
