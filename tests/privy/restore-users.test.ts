import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { after, before, beforeEach, describe, it } from "node:test";
import { parse } from "csv-parse/sync";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { runScript } from "../helpers/cli.ts";
import { PROJECT_ROOT } from "../../scripts/lib/config.ts";
import { seedDatabase } from "../../scripts/lib/seed.ts";
import { maskWallet } from "../../scripts/lib/redact.ts";
import { restoreUsers } from "../../scripts/lib/privy/import.ts";
import { newReferralCode, REFERRAL_ALPHABET } from "../../scripts/lib/privy/referral-codes.ts";
import {
  privyDateString, seededPrivyDid, syntheticPrivyId, syntheticRecord, syntheticSolanaAddress, type ExportRecord,
} from "../../scripts/lib/privy/synthetic-export.ts";
import { exportLine } from "../../scripts/lib/privy/synthetic-export.ts";
import { PRIVY_COLUMNS } from "../../scripts/lib/privy/export-format.ts";
import { fixturePath, restore, writeExport, writeFixture } from "./fixtures.ts";

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase();
});
after(async () => {
  await db.drop();
});
beforeEach(async () => {
  await db.pool.query(`TRUNCATE "User" CASCADE`);
});

interface UserRow {
  privyDid: string;
  createdAt: Date;
  updatedAt: Date;
  username: string;
  email: string | null;
  bio: string | null;
  solanaWalletAddress: string | null;
  embeddedWalletAddress: string | null;
  referralCode: string;
}

async function users(): Promise<UserRow[]> {
  const result = await db.pool.query<UserRow>(
    `SELECT "privyDid", "createdAt", "updatedAt", username, email, bio, "solanaWalletAddress", "embeddedWalletAddress", "referralCode"
       FROM "User" ORDER BY "privyDid"`,
  );
  return result.rows;
}

async function userCount(): Promise<number> {
  return (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "User"`)).rows[0]?.n ?? 0;
}

function readReport(file: string): Record<string, string>[] {
  return parse(readFileSync(file, "utf8"), { columns: true }) as Record<string, string>[];
}

const id = (n: number) => syntheticPrivyId(n, "ct");
const wallet = (label: string) => syntheticSolanaAddress(`test-${label}`);

describe("db:restore-users, the real Privy layout", () => {
  it("imports the 26-column tab-separated export: prefixed ids, dates, lower-cased emails, wallets, valid names and codes", async () => {
    const records: ExportRecord[] = [1, 2, 3, 4].map((n) => syntheticRecord(n, "ct"));
    records[1] = { ...records[1], "Email account": "Mixed.Case@Example.COM", "Custom metadata": '{"role":"og","tags":["a","b"]}' };
    const file = writeExport("real.tsv", records);
    const before = new Date();
    const run = await restore(db, [file]);
    assert.equal(run.summary.format.delimiter, "tab");
    assert.equal(run.summary.format.columns, 26);
    assert.equal(run.summary.rowsRead, 4);
    assert.equal(run.summary.imported, 4);
    assert.equal(run.summary.rejected.total, 0);

    const rows = await users();
    assert.deepEqual(rows.map((row) => row.privyDid), records.map((record) => `did:privy:${record.ID}`).sort());
    for (const record of records) {
      const row = rows.find((candidate) => candidate.privyDid === `did:privy:${record.ID}`);
      assert.ok(row);
      assert.equal(privyDateString(row.createdAt), record["Created at"]);
      const email = (record["Email account"] ?? "").trim();
      assert.equal(row.email, email === "" ? null : email.toLowerCase());
      assert.equal(row.solanaWalletAddress, (record["External Solana accounts"] ?? "").trim() || null);
      assert.equal(row.embeddedWalletAddress, (record["Embedded Solana accounts"] ?? "").trim() || null);
      assert.equal(row.bio, null);
      assert.match(row.username, /^[a-z0-9_]{3,20}$/);
      assert.match(row.referralCode, new RegExp(`^[${REFERRAL_ALPHABET}]{10}$`));
      assert.ok(row.updatedAt.getTime() >= before.getTime() - 1000);
    }
    assert.equal(rows.find((row) => row.email === "mixed.case@example.com")?.username, "mixed_case");
  });

  it("reads comma-separated files with a BOM, CRLF and quoted fields holding commas, quotes and line breaks", async () => {
    const columns = ["ID", "Created at", "Custom metadata", "External Solana accounts", "Email account"];
    const records: ExportRecord[] = [
      { ID: id(10), "Created at": "2025-07-05T20:58:00Z", "Custom metadata": 'say "gm", then\r\nnew line, done', "External Solana accounts": wallet("crlf"), "Email account": "crlf@example.com" },
      { ID: "not-a-privy-id", "Created at": "2025-07-05T20:58:00Z" },
      { ID: id(11), "Created at": "Sat Jul 05 2025 20:58:00 GMT+0000 (Coordinated Universal Time)", "Custom metadata": "a,b;c\td" },
    ];
    const file = writeExport("windows.csv", records, { delimiter: ",", bom: true, crlf: true, columns, quoteAll: true });
    const report = fixturePath("windows-report.csv");
    const run = await restore(db, [file, "--report", report]);
    assert.equal(run.summary.format.delimiter, "comma");
    assert.equal(run.summary.imported, 2);
    // Line 2 spans two lines (the quoted CRLF), so the bad row starts on line 4.
    assert.deepEqual(run.summary.problems.map((row) => [row.line, row.reason]), [[4, "malformed ID"]]);
    assert.deepEqual(readReport(report).map((row) => [row.line, row.outcome, row.reason]), [["4", "rejected", "malformed ID"]]);
    const rows = await users();
    assert.deepEqual(rows.map((row) => [row.privyDid, row.createdAt.toISOString(), row.email]), [
      [`did:privy:${id(10)}`, "2025-07-05T20:58:00.000Z", "crlf@example.com"],
      [`did:privy:${id(11)}`, "2025-07-05T20:58:00.000Z", null],
    ]);
  });

  it("reads a hand-edited export whose lines end in a mix of CRLF, LF and CR", async () => {
    const line = (record: ExportRecord) => exportLine(PRIVY_COLUMNS.map((name) => record[name] ?? "")).replace(/\n$/, "");
    const [a, b, c, d] = [301, 302, 303, 304].map((n) => line(syntheticRecord(n, "cm")));
    const bad = line({ ...syntheticRecord(305, "cm"), ID: "not-a-privy-id" });
    const header = exportLine([...PRIVY_COLUMNS]).replace(/\n$/, "");
    const text = `${header}\r\n${a}\n${b}\r\n${c}\r${d}\n${bad}\n`;
    const run = await restore(db, [writeFixture("mixed-endings.tsv", text)]);
    assert.equal(run.summary.imported, 4);
    assert.deepEqual(run.summary.problems.map((row) => [row.line, row.reason]), [[6, "malformed ID"]]);
  });

  it("keeps line numbers right across the file's read chunks when quoted fields span lines", async () => {
    // Over 192 KiB: several 64 KiB read chunks. Every row's quoted metadata spans three lines, and the first
    // chunk ends inside one of them (checked below); the malformed last row starts on the line counted by hand.
    const metadata = `{"note": "first\r\nsecond, \"quoted\", ${"x".repeat(120)}\r\nthird"}`;
    const records: ExportRecord[] = Array.from({ length: 600 }, (_, i) => ({ ...syntheticRecord(200 + i, "ct"), "Custom metadata": metadata }));
    records.push({ ...syntheticRecord(900, "ct"), ID: "not-a-privy-id" });
    const file = writeExport("chunks.csv", records, { delimiter: ",", crlf: true, quoteAll: true });
    const text = readFileSync(file, "utf8");
    assert.ok(text.length > 3 * 64 * 1024);
    const firstChunk = text.slice(0, 64 * 1024);
    assert.ok(firstChunk.slice(firstChunk.lastIndexOf('","') + 3).startsWith('{""note""'), "the first chunk ends inside the metadata");
    const run = await restore(db, [file]);
    assert.equal(run.summary.imported, 600);
    assert.deepEqual(run.summary.problems.map((row) => [row.line, row.reason]), [[2 + 600 * 3, "malformed ID"]]);
  });

  it("matches reordered, re-cased and renamed-by-spacing headers, ignores extra columns and allows missing optional ones", async () => {
    const columns = ["email_ACCOUNT", "Extra notes", "EXTERNAL SOLANA ACCOUNTS", " id ", "created at"];
    const record = { email_ACCOUNT: "semi@example.com", "Extra notes": "x", "EXTERNAL SOLANA ACCOUNTS": wallet("semi"), " id ": id(20), "created at": "2025-01-02" };
    const file = writeExport("semicolon.csv", [record], { delimiter: ";", columns });
    const run = await restore(db, [file]);
    assert.equal(run.summary.format.delimiter, "semicolon");
    assert.deepEqual(run.summary.format.missingOptionalColumns, ["Embedded Solana accounts"]);
    const [row] = await users();
    assert.deepEqual([row?.privyDid, row?.email, row?.solanaWalletAddress, row?.embeddedWalletAddress, row?.createdAt.toISOString()],
      [`did:privy:${id(20)}`, "semi@example.com", wallet("semi"), null, "2025-01-02T00:00:00.000Z"]);
  });

  it("takes the first valid account of a multi-account cell and notes the others, masked, in the report", async () => {
    const record = {
      ID: id(30), "Created at": "2025-07-05T20:58:00Z",
      "External Solana accounts": `not-a-wallet, ${wallet("m1")}, ${wallet("m2")}`,
      "Embedded Solana accounts": `${wallet("m3")}\n${wallet("m4")}`,
      "Email account": "first@example.com; second.person@example.com",
    };
    const file = writeExport("multi.tsv", [record]);
    const report = fixturePath("multi-report.csv");
    const run = await restore(db, [file, "--report", report]);
    assert.equal(run.summary.imported, 1);
    assert.equal(run.summary.withNotes, 1);
    const [row] = await users();
    assert.deepEqual([row?.solanaWalletAddress, row?.embeddedWalletAddress, row?.email], [wallet("m1"), wallet("m3"), "first@example.com"]);
    const [note] = readReport(report);
    assert.equal(note?.outcome, "imported");
    assert.match(note?.detail ?? "", /External Solana accounts: used the first valid one, 1 more ignored \(.+\), 1 invalid entry ignored/);
    assert.ok((note?.detail ?? "").includes(maskWallet(wallet("m2"))));
    const text = readFileSync(report, "utf8");
    for (const secret of [wallet("m2"), wallet("m4"), "second.person"]) assert.ok(!text.includes(secret), secret);
  });
});

describe("db:restore-users, rejected rows", () => {
  it("rejects every bad row with its line number and reason, imports the rest, keeps personal data out of output and report", async () => {
    const good = (n: number, extra: ExportRecord = {}): ExportRecord => ({ ...syntheticRecord(n, "ct"), ...extra });
    const records: ExportRecord[] = [
      good(40),
      good(41, { ID: " " }),
      good(42, { ID: "secret.id.person@example.org" }),
      good(43, { "Created at": "yesterday" }),
      good(44, { "Created at": "Fri Jan 01 2999 00:00:00 GMT+0000 (Coordinated Universal Time)" }),
      good(45, { "External Solana accounts": "0x52908400098527886E0F7030069857D2E4169EE7" }),
      good(46, { "Embedded Solana accounts": "So1shortbutbase58" }),
      good(47, { "Email account": "secret.person@" }),
    ];
    const columns = [...PRIVY_COLUMNS];
    const text = records.map((record) => exportLine(columns.map((name) => record[name] ?? ""))).join("");
    const extraField = exportLine([...columns.map((name) => good(48)[name] ?? ""), "spill"]);
    const file = writeFixture("rejects.tsv", exportLine(columns) + text + "\n" + extraField + exportLine(columns.map((name) => good(49)[name] ?? "")));
    const report = fixturePath("rejects-report.csv");
    const run = await restore(db, [file, "--report", report]);

    assert.equal(run.code, 0);
    assert.equal(run.summary.rowsRead, 10);
    assert.equal(run.summary.imported, 2);
    assert.deepEqual(run.summary.rejected, {
      total: 8,
      byReason: {
        "date in the future": 1, "invalid Solana address": 2, "invalid email": 1, "malformed ID": 1, "missing ID": 1,
        "unparseable date": 1, "wrong number of fields": 1,
      },
    });
    // The blank line 10 is skipped; the 27-field row is on line 11.
    const expected = [[3, "missing ID"], [4, "malformed ID"], [5, "unparseable date"], [6, "date in the future"],
      [7, "invalid Solana address"], [8, "invalid Solana address"], [9, "invalid email"], [11, "wrong number of fields"]];
    assert.deepEqual(run.summary.problems.map((row) => [row.line, row.reason]), expected);
    assert.deepEqual(readReport(report).map((row) => [Number(row.line), row.reason]), expected);
    assert.equal(statSync(report).mode & 0o777, 0o600);
    assert.deepEqual((await users()).map((row) => row.privyDid), [`did:privy:${id(40)}`, `did:privy:${id(49)}`]);

    const output = run.stdout + run.stderr + readFileSync(report, "utf8");
    for (const record of records) {
      for (const column of ["Email account", "External Solana accounts", "Embedded Solana accounts"]) {
        const value = (record[column] ?? "").trim();
        if (value.length > 8) assert.ok(!output.includes(value), `${column} leaked: ${value.slice(0, 4)}…`);
      }
    }
    assert.ok(!output.includes("secret.person"));
    assert.ok(!output.includes("secret.id.person"));
  });

  it("imports a duplicated ID once (prefixed or not) and reports the later copies", async () => {
    const first = syntheticRecord(50, "ct");
    const file = writeExport("duplicates.tsv", [first, syntheticRecord(51, "ct"), { ...first, ID: `did:privy:${first.ID}`, "Email account": "other@example.com" }]);
    const run = await restore(db, [file]);
    assert.equal(run.summary.imported, 2);
    assert.equal(run.summary.duplicates, 1);
    assert.deepEqual(run.summary.problems.map((row) => [row.line, row.outcome, row.detail]), [[4, "duplicate", "same ID as line 2"]]);
    assert.equal((await users()).find((row) => row.privyDid === `did:privy:${first.ID}`)?.email, first["Email account"]);
  });
});

describe("db:restore-users, existing users and re-runs", () => {
  it("a re-run inserts nothing and reports every row as existing", async () => {
    const file = writeExport("rerun.tsv", Array.from({ length: 30 }, (_, i) => syntheticRecord(60 + i, "ct")));
    const first = await restore(db, [file]);
    assert.equal(first.summary.imported, 30);
    const snapshot = await users();
    const second = await restore(db, [file]);
    assert.equal(second.summary.imported, 0);
    assert.equal(second.summary.existing, 30);
    assert.deepEqual(await users(), snapshot);
  });

  it("skips users that exist by privyDid and reports an email or wallet that belongs to another user, in the database or earlier in the file", async () => {
    await seedDatabase(db.pool, { users: 20, perUser: 0 });
    const seededWallet = wallet("seeded");
    await db.pool.query(`UPDATE "User" SET "embeddedWalletAddress" = $1 WHERE "privyDid" = $2`, [seededWallet, seededPrivyDid(1)]);
    const shared = wallet("shared");
    const records: ExportRecord[] = [
      { ID: seededPrivyDid(2).slice("did:privy:".length), "Email account": "user2@example.com" },
      { ID: id(70), "Email account": "USER3@Example.com" },
      { ID: id(71), "External Solana accounts": seededWallet },
      { ID: id(72), "Email account": "twice@example.com", "Embedded Solana accounts": shared },
      { ID: id(73), "Email account": "twice@example.com" },
      { ID: id(74), "External Solana accounts": shared },
      { ID: id(75), "Email account": "fresh@example.com" },
    ];
    const run = await restore(db, [writeExport("existing.tsv", records)]);
    assert.equal(run.summary.existing, 1);
    assert.equal(run.summary.imported, 2);
    assert.deepEqual(run.summary.conflicts.byReason, {
      "email already on an earlier row": 1, "email belongs to another user": 1,
      "wallet already on an earlier row": 1, "wallet belongs to another user": 1,
    });
    assert.deepEqual(run.summary.problems.map((row) => [row.line, row.reason, row.detail]), [
      [3, "email belongs to another user", `held by ${seededPrivyDid(3)}`],
      [4, "wallet belongs to another user", `held by ${seededPrivyDid(1)}`],
      [6, "email already on an earlier row", "see line 5"],
      [7, "wallet already on an earlier row", "see line 5"],
    ]);
    const imported = await db.pool.query<{ privyDid: string }>(`SELECT "privyDid" FROM "User" WHERE "privyDid" LIKE 'did:privy:ct%' ORDER BY 1`);
    assert.deepEqual(imported.rows.map((row) => row.privyDid), [`did:privy:${id(72)}`, `did:privy:${id(75)}`]);
    assert.equal(await userCount(), 22);
  });
});

describe("db:restore-users, usernames and referral codes", () => {
  it("resolves username collisions with the database and within the file, deterministically", async () => {
    await seedDatabase(db.pool, { users: 3, perUser: 0 });
    await db.pool.query(`UPDATE "User" SET username = 'alice' WHERE "privyDid" = $1`, [seededPrivyDid(1)]);
    await db.pool.query(`UPDATE "User" SET username = 'alice_2' WHERE "privyDid" = $1`, [seededPrivyDid(2)]);
    const emails = ["alice@a.example", "alice@b.example", "Alice+x@c.example", "alice_2@d.example", "bob@x.example", "bob@y.example",
      "averyveryverylongname1@x.example", "averyveryverylongname2@x.example",
      // Two 20-character bases whose second names shorten to the same string: the later line falls back to its family.
      "abcdefghijklmnopqr01@x.example", "abcdefghijklmnopqr01@y.example", "abcdefghijklmnopqr02@x.example", "abcdefghijklmnopqr02@y.example"];
    const file = writeExport("names.tsv", emails.map((email, i) => ({ ID: id(80 + i), "Email account": email })));
    const names = async () =>
      (await db.pool.query<{ username: string }>(`SELECT username FROM "User" WHERE "privyDid" LIKE 'did:privy:ct%' ORDER BY "privyDid"`)).rows.map((row) => row.username);

    await restore(db, [file]);
    const expected = ["alice_3", "alice_4", "alice_5", "alice_2_2", "bob", "bob_2", "averyveryverylongnam", "averyveryverylongn_2",
      "abcdefghijklmnopqr01", "abcdefghijklmnopqr_2", "abcdefghijklmnopqr02", "abcdefghijkl_2"];
    assert.deepEqual(await names(), expected);
    await db.pool.query(`DELETE FROM "User" WHERE "privyDid" LIKE 'did:privy:ct%'`);
    await restore(db, [file]);
    assert.deepEqual(await names(), expected);
  });

  it("replaces referral codes that clash with an existing code or another new row", async () => {
    await seedDatabase(db.pool, { users: 2, perUser: 0 });
    const taken = (await db.pool.query<{ referralCode: string }>(`SELECT "referralCode" FROM "User" LIMIT 1`)).rows[0]?.referralCode ?? "";
    const forced = [taken, "SAME222222", "SAME222222"];
    const generate = () => forced.shift() ?? newReferralCode();
    const file = writeExport("codes.tsv", [1, 2, 3].map((n) => syntheticRecord(90 + n, "ct")));
    const summary = await restoreUsers(db.pool, { file, generateReferralCode: generate });
    assert.equal(summary.imported, 3);
    assert.equal(summary.referralCodesRegenerated, 2);
    const codes = await db.pool.query<{ referralCode: string; n: number }>(`SELECT "referralCode", count(*)::int AS n FROM "User" GROUP BY 1`);
    assert.equal(codes.rows.length, 5);
    assert.ok(codes.rows.every((row) => row.n === 1));
  });

  it("reports, not fails, a row that a concurrent write created between classification and insert", async () => {
    await seedDatabase(db.pool, { users: 1, perUser: 0 });
    const taken = (await db.pool.query<{ referralCode: string }>(`SELECT "referralCode" FROM "User" LIMIT 1`)).rows[0]?.referralCode ?? "";
    const records = [1, 2, 3].map((n) => syntheticRecord(130 + n, "ct"));
    const file = writeExport("concurrent.tsv", records);
    // One code per row while reading; the first clashes, so one more is drawn after classification: at that
    // moment another connection (a child process: the generator is synchronous) signs up the third row's user.
    let calls = 0;
    const generate = () => {
      calls++;
      if (calls === 1) return taken;
      if (calls === records.length + 1) {
        const signUp = `import pg from "pg"; const client = new pg.Client(process.env.TEST_DATABASE_URL); await client.connect();
          await client.query(\`INSERT INTO "User" ("privyDid", "updatedAt", username, "referralCode") VALUES ($1, now(), 'signed_up_meanwhile', 'MEANWHILE2')\`, [process.argv[1]]);
          await client.end();`;
        execFileSync(process.execPath, ["--input-type=module", "-e", signUp, `did:privy:${records[2]?.ID}`],
          { cwd: PROJECT_ROOT, env: { ...process.env, TEST_DATABASE_URL: db.url } });
      }
      return newReferralCode();
    };
    const summary = await restoreUsers(db.pool, { file, generateReferralCode: generate });
    assert.equal(summary.imported, 2);
    assert.deepEqual(summary.conflicts.byReason, { "taken by a concurrent write": 1 });
    assert.deepEqual(summary.problems.map((row) => [row.line, row.reason]), [[4, "taken by a concurrent write"]]);
    const usernames = await db.pool.query<{ username: string }>(`SELECT username FROM "User" WHERE "privyDid" LIKE 'did:privy:ct%' ORDER BY 1`);
    assert.equal(usernames.rows.length, 3);
    assert.ok(usernames.rows.some((row) => row.username === "signed_up_meanwhile"));
  });
});

describe("db:restore-users, options and failures", () => {
  const small = () => writeExport("small.tsv", [1, 2, 3, 4, 5].map((n) => syntheticRecord(100 + n, "ct")));

  it("--dry-run classifies everything and changes nothing; --limit reads only the first N rows", async () => {
    const file = small();
    const dry = await restore(db, [file, "--dry-run"]);
    assert.equal(dry.summary.dryRun, true);
    assert.equal(dry.summary.imported, 5);
    assert.equal(await userCount(), 0);
    const limited = await restore(db, [file, "--limit", "2"]);
    assert.equal(limited.summary.rowsRead, 2);
    assert.equal(await userCount(), 2);
  });

  it("prints a human summary without --json", async () => {
    const result = await runScript("db-restore-users", [small()], { DATABASE_URL: db.url });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /rows read\s+5/);
    assert.match(result.stdout, /imported\s+5/);
  });

  it("exits 2 listing the columns found when there is no ID column", async () => {
    const file = writeFixture("no-id.csv", "user id,Created at,Email account\ncx1,2025-01-01,a@example.com\n");
    const result = await runScript("db-restore-users", [file], { DATABASE_URL: db.url });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /no ID column .*columns found: "user id", "Created at", "Email account"/);
  });

  it("exits 2 for an empty file, a bad --limit and a missing DATABASE_URL", async () => {
    const empty = await runScript("db-restore-users", [writeFixture("empty.tsv", "\uFEFF")], { DATABASE_URL: db.url });
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /is empty/);
    const limit = await runScript("db-restore-users", [small(), "--limit", "0"], { DATABASE_URL: db.url });
    assert.equal(limit.code, 2);
    assert.match(limit.stderr, /--limit must be a positive integer/);
    const unset = await runScript("db-restore-users", [small()], {});
    assert.equal(unset.code, 2);
    assert.match(unset.stderr, /DATABASE_URL is not set/);
  });

  it("exits 1 when the file cannot be read or the database cannot be reached", async () => {
    const missing = await runScript("db-restore-users", [fixturePath("nope.tsv")], { DATABASE_URL: db.url });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read .*nope\.tsv: no such file/);
    const unreachable = await runScript("db-restore-users", [small()], { DATABASE_URL: "postgresql://postgres:secret@127.0.0.1:1/app" });
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /ECONNREFUSED.*is the server running/);
    assert.ok(!unreachable.stderr.includes("secret"));
  });

  it("exits 1 and imports nothing when the file is damaged or the report cannot be written", async () => {
    const rows = [1, 2, 3].map((n) => exportLine(PRIVY_COLUMNS.map((name) => syntheticRecord(110 + n, "ct")[name] ?? ""), { delimiter: "," }));
    const damaged = writeFixture("damaged.csv", exportLine([...PRIVY_COLUMNS], { delimiter: "," }) + rows[0] + `"${rows[1]}` + rows[2]);
    const result = await runScript("db-restore-users", [damaged], { DATABASE_URL: db.url });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /damaged after line 2 .*nothing was imported/);
    assert.equal(await userCount(), 0);

    const badReport = await runScript("db-restore-users", [small(), "--report", fixturePath("missing-dir/report.csv")], { DATABASE_URL: db.url });
    assert.equal(badReport.code, 1);
    assert.match(badReport.stderr, /cannot write the report .*nothing was imported/);
    assert.equal(await userCount(), 0);
  });
});
