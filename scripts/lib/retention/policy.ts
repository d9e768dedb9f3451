// How many backup sets to keep: the newest N plus grandfather-father-son
// daily/weekly/monthly sets. BACKUP_RETENTION turns pruning on at the end of
// the local backup flow, with the defaults or with overrides.
import { ConfigError } from "../errors.ts";

export interface RetentionPolicy {
  keepLast: number;
  keepDaily: number;
  keepWeekly: number;
  keepMonthly: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { keepLast: 3, keepDaily: 7, keepWeekly: 4, keepMonthly: 6 };

const FIELDS: Record<string, keyof RetentionPolicy> = {
  last: "keepLast",
  daily: "keepDaily",
  weekly: "keepWeekly",
  monthly: "keepMonthly",
};

const ENABLE_WORDS = new Set(["1", "true", "yes", "on", "default"]);
const DISABLE_WORDS = new Set(["", "0", "false", "no", "off"]);

/**
 * BACKUP_RETENTION: unset/"off" = no pruning; "on"/"default"/"1" = the defaults;
 * "last=5,daily=14" = the defaults with those overrides. Anything else is a ConfigError.
 */
export function retentionPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): RetentionPolicy | null {
  const value = (env.BACKUP_RETENTION ?? "").trim().toLowerCase();
  if (DISABLE_WORDS.has(value)) return null;
  if (ENABLE_WORDS.has(value)) return { ...DEFAULT_RETENTION };
  const policy = { ...DEFAULT_RETENTION };
  for (const part of value.split(",").map((item) => item.trim()).filter(Boolean)) {
    const [key = "", count = "", extra] = part.split("=").map((item) => item.trim());
    const field = FIELDS[key];
    const parsed = Number(count);
    if (!field || extra !== undefined || count === "" || !Number.isInteger(parsed) || parsed < 0) {
      throw new ConfigError(
        `BACKUP_RETENTION="${env.BACKUP_RETENTION}" is not understood: use "on" for the defaults ` +
          `(last=3,daily=7,weekly=4,monthly=6) or overrides such as "last=5,daily=14".`,
      );
    }
    policy[field] = parsed;
  }
  return policy;
}

export function describePolicy(policy: RetentionPolicy): string {
  return `last ${policy.keepLast}, daily ${policy.keepDaily}, weekly ${policy.keepWeekly}, monthly ${policy.keepMonthly}`;
}
