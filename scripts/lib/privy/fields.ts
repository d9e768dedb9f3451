// One cell of the export -> one validated value. Each parser returns the value
// or a Rejection reason; none of them throws for bad data.
export const PRIVY_DID_PREFIX = "did:privy:";

/** Privy user ids are cuids: 25 characters, 'c' then lowercase letters and digits. */
const PRIVY_ID = /^c[a-z0-9]{24}$/;

/** Reasons a row is rejected; the summary counts rows per reason. */
export const REJECTION = {
  missingId: "missing ID",
  malformedId: "malformed ID",
  badDate: "unparseable date",
  futureDate: "date in the future",
  badSolana: "invalid Solana address",
  badEmail: "invalid email",
  fieldCount: "wrong number of fields",
} as const;

export type RejectionReason = (typeof REJECTION)[keyof typeof REJECTION];

export interface Invalid {
  reason: RejectionReason;
  detail: string;
}

export function isInvalid(value: unknown): value is Invalid {
  return typeof value === "object" && value !== null && "reason" in value;
}

/** Empty cells are empty or whitespace (Privy writes a single space). */
export function cellValue(cell: string | undefined): string {
  return (cell ?? "").trim();
}

/** "cm…" or "did:privy:cm…" -> "did:privy:cm…". */
export function parsePrivyDid(cell: string): string | Invalid {
  if (cell === "") return { reason: REJECTION.missingId, detail: "the ID cell is empty" };
  const id = cell.startsWith(PRIVY_DID_PREFIX) ? cell.slice(PRIVY_DID_PREFIX.length) : cell;
  if (!PRIVY_ID.test(id)) {
    return { reason: REJECTION.malformedId, detail: "expected 25 lowercase letters and digits starting with 'c' (did:privy: prefix optional)" };
  }
  return PRIVY_DID_PREFIX + id;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/** JavaScript Date.toString(): "Sat Jul 05 2025 20:58:00 GMT+0000 (Coordinated Universal Time)"; the zone name is optional. */
const JS_DATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) (\d{1,2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT([+-])(\d{2})(\d{2})(?: \([^)]*\))?$/;
/** ISO 8601: 2025-07-05, 2025-07-05T20:58:00Z, 2025-07-05 20:58:00.123+02:00; no offset means UTC. */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Milliseconds since the epoch, or undefined for an impossible date or time (31 Feb, 25:00): checked, not rolled
 * over. Years before 100 are refused (Date.UTC would read 0025 as 1925).
 */
function utc(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number | undefined {
  if (year < 100 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const daysInMonth = month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  if (day < 1 || day > daysInMonth) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

function offsetMinutes(offset: string | undefined): number {
  if (!offset || offset === "Z") return 0;
  const digits = offset.slice(1).replace(":", "");
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || "0");
  return offset.startsWith("-") ? -minutes : minutes;
}

/** Both export date forms, and ISO; `undefined` for an empty cell. Dates after `now` (+1 day of clock skew) are rejected. */
export function parseCreatedAt(cell: string, now: Date): Date | undefined | Invalid {
  if (cell === "") return undefined;
  let date: Date | undefined;
  const js = JS_DATE.exec(cell);
  if (js) {
    const [, month, day, year, hour, minute, second, sign, offH, offM] = js;
    const local = utc(Number(year), MONTHS.indexOf(month ?? "") + 1, Number(day), Number(hour), Number(minute), Number(second), 0);
    const offset = (Number(offH) * 60 + Number(offM)) * (sign === "-" ? -1 : 1);
    if (local !== undefined) date = new Date(local - offset * 60_000);
  } else {
    const iso = ISO_DATE.exec(cell);
    if (iso) {
      const [, year, month, day, hour = "0", minute = "0", second = "0", fraction = "0", offset] = iso;
      const ms = Number(fraction.padEnd(3, "0").slice(0, 3));
      const local = utc(Number(year), Number(month), Number(day), Number(hour), Number(minute), Number(second), ms);
      if (local !== undefined) date = new Date(local - offsetMinutes(offset) * 60_000);
    }
  }
  if (!date) {
    return { reason: REJECTION.badDate, detail: 'expected "Sat Jul 05 2025 20:58:00 GMT+0000 (…)" or ISO 8601 (2025-07-05T20:58:00Z)' };
  }
  if (date.getTime() > now.getTime() + 86_400_000) {
    return { reason: REJECTION.futureDate, detail: `${date.toISOString().slice(0, 10)} is after today` };
  }
  return date;
}

/** A cell listing several accounts: separated by commas, semicolons, pipes, spaces or line breaks. */
export function splitAccounts(cell: string): string[] {
  return cell === "" ? [] : cell.split(/[\s,;|]+/).filter(Boolean);
}

const BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
/** Character code -> base58 digit, -1 outside the alphabet. */
const BASE58_DIGIT = new Int8Array(128).fill(-1);
for (let digit = 0; digit < BASE58_ALPHABET.length; digit++) BASE58_DIGIT[BASE58_ALPHABET.charCodeAt(digit)] = digit;
const LIMBS = 8;
const limbs = new Uint32Array(LIMBS);
/** Digits taken per step: 58^3 < 2^18, so limb * 58^3 + carry < 2^50 stays exact in a double. */
const DIGITS_PER_STEP = 3;
const STEP_BASES = [1, 58, 58 * 58, 58 * 58 * 58];

/**
 * A Solana address: base58 that decodes to a 32-byte public key (32–44 characters).
 * Decodes exactly as bs58 does (each leading "1" is a zero byte, the rest a big-endian
 * number without leading zero bytes), but into eight 32-bit limbs, three digits at a
 * time, with no allocation: this runs twice per row of a million-row import.
 */
export function isSolanaAddress(value: string): boolean {
  const length = value.length;
  if (length < 32 || length > 44) return false;
  let zeros = 0;
  while (zeros < length && value.charCodeAt(zeros) === 49 /* "1" */) zeros++;
  for (let limb = 0; limb < LIMBS; limb++) limbs[limb] = 0;
  let highest = LIMBS - 1; // the most significant limb in use
  for (let at = zeros; at < length; at += DIGITS_PER_STEP) {
    const end = Math.min(at + DIGITS_PER_STEP, length);
    let carry = 0;
    for (let digitAt = at; digitAt < end; digitAt++) {
      const code = value.charCodeAt(digitAt);
      const digit = code < 128 ? (BASE58_DIGIT[code] ?? -1) : -1;
      if (digit < 0) return false;
      carry = carry * 58 + digit;
    }
    const base = STEP_BASES[end - at] ?? 0;
    for (let limb = LIMBS - 1; limb >= highest; limb--) {
      const sum = (limbs[limb] ?? 0) * base + carry;
      limbs[limb] = sum >>> 0;
      carry = Math.floor(sum / 0x1_0000_0000);
    }
    if (carry !== 0) {
      if (highest === 0) return false; // more than 32 bytes
      limbs[--highest] = carry;
    }
  }
  let numberBytes = LIMBS * 4;
  for (let limb = 0; limb < LIMBS && limbs[limb] === 0; limb++) numberBytes -= 4;
  const top = limbs[LIMBS - numberBytes / 4];
  if (top !== undefined) numberBytes -= top >= 0x100_0000 ? 0 : top >= 0x1_0000 ? 1 : top >= 0x100 ? 2 : 3;
  return zeros + numberBytes === 32;
}

/**
 * A valid email: the WHATWG (HTML input type=email) syntax, a dot in the domain,
 * at most 64 characters before the @ and 254 in all. Compared lower-cased.
 */
const EMAIL = /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

export function isEmail(value: string): boolean {
  return value.length <= 254 && EMAIL.test(value);
}

export interface AccountPick {
  /** The first valid account in the cell, if any. */
  value?: string;
  /** Valid accounts listed after the first (not imported). */
  others: readonly string[];
  /** Entries that are not valid accounts. */
  invalid: number;
}

const ACCOUNT_SEPARATOR = /[\s,;|]/;
const NO_OTHERS: readonly string[] = Object.freeze([]);

/** The first valid entry of a multi-account cell; the rest are counted for the report. */
export function pickAccount(cell: string, isValid: (value: string) => boolean, normalize = (value: string) => value): AccountPick {
  // Most cells hold one account or none: no split, no arrays.
  if (cell === "") return { others: NO_OTHERS, invalid: 0 };
  if (!ACCOUNT_SEPARATOR.test(cell)) {
    const value = normalize(cell);
    return isValid(value) ? { value, others: NO_OTHERS, invalid: 0 } : { others: NO_OTHERS, invalid: 1 };
  }
  let first: string | undefined;
  const others: string[] = [];
  let invalid = 0;
  for (const entry of splitAccounts(cell)) {
    const value = normalize(entry);
    if (!isValid(value)) invalid++;
    else if (first === undefined) first = value;
    else if (value !== first) others.push(value);
  }
  return first === undefined ? { others, invalid } : { value: first, others, invalid };
}
