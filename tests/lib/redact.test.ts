import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { maskEmail, maskWallet, redactCredentials, redactForLog } from "../../scripts/lib/redact.ts";
import { describeDatabaseError } from "../../scripts/lib/db.ts";

describe("redaction", () => {
  it("removes passwords from URLs and password parameters", () => {
    assert.equal(
      redactCredentials("connect postgresql://app:Sup3r$ecret@db:5432/app failed"),
      "connect postgresql://app:***@db:5432/app failed",
    );
    assert.equal(redactCredentials("postgres://db/app?user=a&password=hunter2&ssl=1"), "postgres://db/app?user=a&password=***&ssl=1");
    assert.equal(redactCredentials("postgresql://app@db/app"), "postgresql://app@db/app");
  });

  it("masks emails and wallet addresses in log lines", () => {
    assert.equal(maskEmail("jane.doe@example.com"), "j***@example.com");
    assert.equal(maskWallet("7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU"), "7xKX…gAsU");
    const line = redactForLog("user jane.doe@example.com wallet 7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU eth 0x52908400098527886E0F7030069857D2E4169EE7");
    assert.ok(!line.includes("jane.doe"));
    assert.ok(!line.includes("7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU"));
    assert.ok(!line.includes("0x52908400098527886E0F7030069857D2E4169EE7"));
    assert.match(line, /j\*\*\*@example\.com/);
  });

  it("leaves ordinary identifiers alone (table names, cuid ids, timestamps)", () => {
    const line = "PointTransaction clx3k2m9p0000abcd1234efgh 2025-07-05T21-00-00-000Z";
    assert.equal(redactForLog(line), line);
  });

  it("turns database errors into one line with what to do next", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    assert.match(describeDatabaseError(refused), /ECONNREFUSED.*is the server running/);
    const badPassword = Object.assign(new Error('password authentication failed for user "app"'), { code: "28P01" });
    assert.match(describeDatabaseError(badPassword), /fix the password in DATABASE_URL/);
    assert.ok(!describeDatabaseError(new Error("line one\nline two")).includes("\n"));
  });
});
