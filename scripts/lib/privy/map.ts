// One export row -> the user to restore, or the reason it is rejected.
// Nothing personal goes into a reason or a note: wallets are masked, emails are only counted.
import { maskWallet, redactForLog } from "../redact.ts";
import type { ExportHeader } from "./export-format.ts";
import {
  cellValue, isEmail, isInvalid, isSolanaAddress, parseCreatedAt, parsePrivyDid, pickAccount, REJECTION,
  type AccountPick, type Invalid,
} from "./fields.ts";
import { usernameBase } from "./usernames.ts";

export interface MappedUser {
  line: number;
  privyDid: string;
  /** undefined: the export has no date for this user (the import time is used, and noted). */
  createdAt?: Date;
  email?: string;
  solanaWallet?: string;
  embeddedWallet?: string;
  usernameBase: string;
  /** Extra or invalid accounts that were not imported, for the report. */
  note?: string;
}

export interface RejectedRow extends Invalid {
  line: number;
  /** The ID cell as written (may be malformed), masked and cut to 40 characters, for finding the row. */
  rawId: string;
}

function describeExtras(column: string, pick: AccountPick, show: (value: string) => string): string | undefined {
  const parts: string[] = [];
  if (pick.others.length > 0) parts.push(`${pick.others.length} more ignored (${pick.others.map(show).join(", ")})`);
  if (pick.invalid > 0) parts.push(`${pick.invalid} invalid entr${pick.invalid === 1 ? "y" : "ies"} ignored`);
  return parts.length > 0 ? `${column}: used the first valid one, ${parts.join(", ")}` : undefined;
}

const toLowerCase = (value: string) => value.toLowerCase();

/** Picks a column's first valid account; a non-empty cell without one is a rejection. */
function account(
  cell: string,
  column: string,
  isValid: (value: string) => boolean,
  reason: Invalid["reason"],
  normalize?: (value: string) => string,
): AccountPick | Invalid {
  const pick = pickAccount(cell, isValid, normalize);
  if (cell !== "" && pick.value === undefined) return { reason, detail: `${column}: no valid entry` };
  return pick;
}

function cellAt(record: string[], index: number | undefined): string {
  return index === undefined ? "" : cellValue(record[index]);
}

/** A malformed ID cell may hold anything, an email typed in the wrong column included: masked and cut. */
function rejected(line: number, rawId: string, invalid: Invalid): RejectedRow {
  return { line, rawId: redactForLog(rawId).slice(0, 40), ...invalid };
}

function hasExtras(pick: AccountPick): boolean {
  return pick.others.length > 0 || pick.invalid > 0;
}

/** Runs once per row of a million-row import: no closures, and the notes are only built for a row that has one. */
export function mapRow(record: string[], line: number, header: ExportHeader, now: Date): MappedUser | RejectedRow {
  const { columns } = header;
  const rawId = cellAt(record, columns.id);
  if (record.length !== header.names.length) {
    return rejected(line, rawId, {
      reason: REJECTION.fieldCount,
      detail: `expected ${header.names.length} fields, found ${record.length} (an unquoted delimiter inside a cell?)`,
    });
  }
  const privyDid = parsePrivyDid(rawId);
  if (isInvalid(privyDid)) return rejected(line, rawId, privyDid);
  const createdAt = parseCreatedAt(cellAt(record, columns.createdAt), now);
  if (isInvalid(createdAt)) return rejected(line, rawId, createdAt);

  const external = account(cellAt(record, columns.externalSolana), "External Solana accounts", isSolanaAddress, REJECTION.badSolana);
  if (isInvalid(external)) return rejected(line, rawId, external);
  const embedded = account(cellAt(record, columns.embeddedSolana), "Embedded Solana accounts", isSolanaAddress, REJECTION.badSolana);
  if (isInvalid(embedded)) return rejected(line, rawId, embedded);
  const email = account(cellAt(record, columns.email), "Email account", isEmail, REJECTION.badEmail, toLowerCase);
  if (isInvalid(email)) return rejected(line, rawId, email);

  const undated = columns.createdAt !== undefined && createdAt === undefined;
  let note: string | undefined;
  if (undated || hasExtras(external) || hasExtras(embedded) || hasExtras(email)) {
    note = [
      describeExtras("External Solana accounts", external, maskWallet),
      describeExtras("Embedded Solana accounts", embedded, maskWallet),
      describeExtras("Email account", email, () => "***"),
      undated ? "Created at is empty: the import time is used" : undefined,
    ].filter((part): part is string => part !== undefined).join("; ");
  }
  const user: MappedUser = {
    line,
    privyDid,
    createdAt,
    email: email.value,
    solanaWallet: external.value,
    embeddedWallet: embedded.value,
    usernameBase: "",
    note,
  };
  user.usernameBase = usernameBase(user);
  return user;
}

export function isRejected(row: MappedUser | RejectedRow): row is RejectedRow {
  return "reason" in row;
}
