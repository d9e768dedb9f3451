import assert from "node:assert/strict";
import { mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { detectDelimiter, normalizeColumnName, resolveExportFile } from "../../scripts/lib/privy/export-format.ts";
import {
  isEmail, isInvalid, isSolanaAddress, parseCreatedAt, parsePrivyDid, pickAccount, REJECTION,
} from "../../scripts/lib/privy/fields.ts";
import { privyDateString, syntheticSolanaAddress } from "../../scripts/lib/privy/synthetic-export.ts";
import { USERNAME_RULE, usernameBase } from "../../scripts/lib/privy/usernames.ts";
import { REFERRAL_ALPHABET, newReferralCode } from "../../scripts/lib/privy/referral-codes.ts";

const NOW = new Date("2026-01-01T00:00:00Z");

describe("Privy id", () => {
  it("adds the did:privy: prefix, keeps an existing one", () => {
    assert.equal(parsePrivyDid("cm3np4u9j00ib13hjvxdkezh8"), "did:privy:cm3np4u9j00ib13hjvxdkezh8");
    assert.equal(parsePrivyDid("did:privy:cm3np4u9j00ib13hjvxdkezh8"), "did:privy:cm3np4u9j00ib13hjvxdkezh8");
  });

  it("rejects empty and malformed ids with the reason", () => {
    assert.deepEqual(parsePrivyDid(""), { reason: REJECTION.missingId, detail: "the ID cell is empty" });
    for (const bad of ["cm3np4u9j00ib13hjvxdkezh", "cm3np4u9j00ib13hjvxdkezh89", "CM3NP4U9J00IB13HJVXDKEZH8", "xm3np4u9j00ib13hjvxdkezh8",
      "cm3np4u9j00ib13hjvx-kezh8", "did:privy:", "jane@example.com"]) {
      const parsed = parsePrivyDid(bad);
      assert.ok(isInvalid(parsed) && parsed.reason === REJECTION.malformedId, bad);
    }
  });
});

describe("Created at", () => {
  it("reads the Date.toString() form Privy writes, with and without the zone name", () => {
    assert.equal((parseCreatedAt("Sat Jul 05 2025 20:58:00 GMT+0000 (Coordinated Universal Time)", NOW) as Date).toISOString(), "2025-07-05T20:58:00.000Z");
    assert.equal((parseCreatedAt("Sat Jul 05 2025 22:58:00 GMT+0200 (Central European Summer Time)", NOW) as Date).toISOString(), "2025-07-05T20:58:00.000Z");
    assert.equal((parseCreatedAt("Sat Jul 05 2025 15:58:00 GMT-0500", NOW) as Date).toISOString(), "2025-07-05T20:58:00.000Z");
    const date = new Date("2024-02-29T23:59:59Z");
    assert.equal((parseCreatedAt(privyDateString(date), NOW) as Date).getTime(), date.getTime());
  });

  it("reads ISO 8601 (no offset means UTC)", () => {
    const cases: Record<string, string> = {
      "2025-07-05T20:58:00Z": "2025-07-05T20:58:00.000Z",
      "2025-07-05T20:58:00.123Z": "2025-07-05T20:58:00.123Z",
      "2025-07-05T22:58:00+02:00": "2025-07-05T20:58:00.000Z",
      "2025-07-05 20:58:00": "2025-07-05T20:58:00.000Z",
      "2025-07-05T20:58": "2025-07-05T20:58:00.000Z",
      "2025-07-05": "2025-07-05T00:00:00.000Z",
    };
    for (const [text, iso] of Object.entries(cases)) assert.equal((parseCreatedAt(text, NOW) as Date).toISOString(), iso, text);
  });

  it("treats an empty cell as no date", () => {
    assert.equal(parseCreatedAt("", NOW), undefined);
  });

  it("rejects impossible, unparseable and future dates", () => {
    for (const bad of ["Sat Feb 30 2025 10:00:00 GMT+0000", "2025-02-30", "2025-13-01T00:00:00Z", "yesterday", "05/07/2025", "1751749080", "2025-07-05T25:00:00Z"]) {
      const parsed = parseCreatedAt(bad, NOW);
      assert.ok(isInvalid(parsed) && parsed.reason === REJECTION.badDate, bad);
    }
    const future = parseCreatedAt("2027-01-01T00:00:00Z", NOW);
    assert.ok(isInvalid(future) && future.reason === REJECTION.futureDate);
  });
});

describe("Solana addresses and emails", () => {
  it("accepts base58 that decodes to 32 bytes, 32 to 44 characters", () => {
    assert.ok(isSolanaAddress("7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU"));
    assert.ok(isSolanaAddress("11111111111111111111111111111111"));
    assert.ok(isSolanaAddress(syntheticSolanaAddress(1)));
  });

  it("rejects wrong alphabet, wrong length and 44 characters that are not 32 bytes", () => {
    for (const bad of ["0xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU", "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsl", "7xKXtg2CW87d",
      "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", "0x52908400098527886E0F7030069857D2E4169EE7", "1111111111111111111111111111111"]) {
      assert.equal(isSolanaAddress(bad), false, bad);
    }
  });

  it("validates emails (WHATWG syntax, a dot in the domain, length limits)", () => {
    for (const good of ["jane.doe@example.com", "j+tag@sub.example.co.uk", "o'brien@example.ie"]) assert.ok(isEmail(good), good);
    for (const bad of ["jane", "jane@", "@example.com", "jane@localhost", "jane doe@example.com", "jane@@example.com",
      "jane@-example.com", `${"a".repeat(65)}@example.com`]) {
      assert.equal(isEmail(bad), false, bad);
    }
  });

  it("picks the first valid account of a multi-account cell and counts the rest", () => {
    const a = syntheticSolanaAddress("a");
    const b = syntheticSolanaAddress("b");
    assert.deepEqual(pickAccount(`nope, ${a};${b}\n${a}`, isSolanaAddress), { value: a, others: [b], invalid: 1 });
    assert.deepEqual(pickAccount("", isSolanaAddress), { others: [], invalid: 0 });
  });
});

describe("usernames and referral codes", () => {
  const did = "did:privy:cm3np4u9j00ib13hjvxdkezh8";
  it("derives a base from the email local part, else the wallet, else the id — always within the app rule", () => {
    assert.equal(usernameBase({ privyDid: did, email: "jane.doe+news@example.com" }), "jane_doe");
    assert.equal(usernameBase({ privyDid: did, email: "--a--b--c--@example.com" }), "a_b_c");
    assert.equal(usernameBase({ privyDid: did, email: `${"x".repeat(30)}@example.com` }), "x".repeat(20));
    assert.equal(usernameBase({ privyDid: did, email: "jo@example.com", solanaWallet: "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU" }), "sol_7xkxtg2c");
    assert.equal(usernameBase({ privyDid: did, embeddedWallet: "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU" }), "sol_7xkxtg2c");
    assert.equal(usernameBase({ privyDid: did, email: "..@example.com" }), "user_vxdkezh8");
    for (const email of ["Ünïcødé@example.com", "a.b@example.com", "1234567890123456789012345@example.com", "_@example.com"]) {
      assert.match(usernameBase({ privyDid: did, email }), USERNAME_RULE, email);
    }
  });

  it("makes referral codes from the unambiguous alphabet", () => {
    const codes = new Set(Array.from({ length: 2000 }, () => newReferralCode()));
    assert.equal(codes.size, 2000);
    for (const code of codes) assert.match(code, new RegExp(`^[${REFERRAL_ALPHABET}]{10}$`));
    assert.doesNotMatch(REFERRAL_ALPHABET, /[01OIL]/);
  });
});

describe("export format", () => {
  it("detects tab, comma and semicolon from the header, ignoring quoted ones", () => {
    assert.equal(detectDelimiter("ID\tCreated at\tEmail account"), "\t");
    assert.equal(detectDelimiter("ID,Created at,Email account"), ",");
    assert.equal(detectDelimiter('ID;"Created, at";Email account'), ";");
    assert.equal(detectDelimiter("ID"), ",");
  });

  it("matches column names case-, space- and underscore-insensitively", () => {
    assert.equal(normalizeColumnName(" CREATED_AT "), normalizeColumnName("Created at"));
    assert.equal(normalizeColumnName("email-account"), normalizeColumnName("Email account"));
  });

  it("defaults to the newest *.csv / *.tsv in users/, and says so when there is none", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "pdg-privy-dir-"));
    await assert.rejects(resolveExportFile(undefined, dir), (error: Error) => error.name === "UsageError" && /no \*\.csv or \*\.tsv file/.test(error.message));
    for (const [name, age] of [["old.tsv", 300], ["new.csv", 10], ["newest.txt", 0], ["mid.TSV", 100]] as const) {
      const file = path.join(dir, name);
      writeFileSync(file, "ID\n");
      const time = new Date(Date.now() - age * 1000);
      utimesSync(file, time, time);
    }
    assert.equal(await resolveExportFile(undefined, dir), path.join(dir, "new.csv"));
    await assert.rejects(resolveExportFile(path.join(dir, "missing.tsv"), dir), (error: Error) => error.name === "OperationError");
  });
});
