import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { maskEmail, maskWallet, redactCredentials, redactForLog } from "../../scripts/lib/redact.ts";
import { describeDatabaseError } from "../../scripts/lib/errors.ts";

describe("redaction", () => {
  it("removes passwords from URLs and password parameters", () => {
    assert.equal(
      redactCredentials("connect postgresql://app:Sup3r$ecret@db:5432/app failed"),
      "connect postgresql://app:***@db:5432/app failed",
    );
    assert.equal(redactCredentials("postgres://db/app?user=a&password=hunter2&ssl=1"), "postgres://db/app?user=a&password=***&ssl=1");
    assert.equal(redactCredentials("postgresql://app@db/app"), "postgresql://app@db/app");
  });

  it("removes AWS keys like the database password: key IDs, secrets from the environment, signatures, credential files", () => {
    const env = {
      AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
      AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      AWS_SESSION_TOKEN: "IQoJb3JpZ2luX2VjEXAMPLETOKEN+/=",
    };
    const line = redactCredentials(
      `upload with ${env.AWS_ACCESS_KEY_ID} / ${env.AWS_SECRET_ACCESS_KEY} token ${env.AWS_SESSION_TOKEN} failed; ` +
        "other key ASIAY34FZKBOKMUTVV7A; https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA%2F20261201&X-Amz-Signature=0a1b2c3d&x=1; " +
        "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261201/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=fe5f80f77d5fa3beca038a248ff027; " +
        'aws_secret_access_key = "abc/def+ghi" AWS_SESSION_TOKEN=xyz123',
      env,
    );
    for (const secret of [...Object.values(env), "ASIAY34FZKBOKMUTVV7A", "0a1b2c3d", "fe5f80f77d5fa3beca038a248ff027", "abc/def+ghi", "xyz123"]) {
      assert.ok(!line.includes(secret), `${secret} is redacted in: ${line}`);
    }
    assert.match(line, /upload with AKIA\*\*\* \/ \*\*\* token \*\*\* failed/);
    assert.match(line, /X-Amz-Signature=\*\*\*&x=1/);
    // A short value (s3rver's S3RVER, a placeholder) is not hunted for in ordinary text.
    assert.equal(redactCredentials("S3RVER bucket list", { AWS_SECRET_ACCESS_KEY: "S3RVER" }), "S3RVER bucket list");
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
