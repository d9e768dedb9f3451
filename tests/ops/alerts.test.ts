import assert from "node:assert/strict";
import net from "node:net";
import { describe, it } from "node:test";
import { sendAlert, type Alert } from "../../scripts/lib/alerts.ts";
import { webhookOptionsFromEnv } from "../../scripts/lib/alerts/webhook.ts";
import { startWebhookServer } from "./http-server.ts";
import { runScript } from "../helpers/cli.ts";

const FAST = { timeoutMs: 300, retries: 2, backoffMs: 10 };

const ALERT: Alert = {
  severity: "error",
  title: "Backup of postgresql://app:hunter2@db.internal:5432/prod failed",
  details: ["user jane.doe@example.com wallet 7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU", "re-run: pnpm run db:backup"],
};

/**
 * Runs fn with stderr captured. (stdout belongs to the test runner's protocol,
 * so annotations on stdout are tested through the db:alert CLI instead.)
 */
async function captureOutput(fn: () => Promise<void>): Promise<{ stderr: string }> {
  const original = process.stderr.write.bind(process.stderr);
  let stderr = "";
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += chunk.toString()), true)) as typeof process.stderr.write;
  try {
    await fn();
  } finally {
    process.stderr.write = original;
  }
  return { stderr };
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("alerts to a Slack/Discord webhook (real HTTP server on 127.0.0.1)", () => {
  it("POSTs one JSON message with both `text` (Slack) and `content` (Discord), redacted", async () => {
    const server = await startWebhookServer([200]);
    try {
      const { stderr } = await captureOutput(() => sendAlert(ALERT, { ALERT_WEBHOOK_URL: server.url }, FAST));
      assert.equal(server.requests.length, 1);
      const [request] = server.requests;
      assert.equal(request!.method, "POST");
      assert.match(request!.contentType, /^application\/json/);
      const body = JSON.parse(request!.body) as { text: string; content: string };
      assert.equal(body.text, body.content);
      assert.match(body.text, /error: Backup of postgresql:\/\/app:\*\*\*@db\.internal:5432\/prod failed/);
      assert.match(body.text, /re-run: pnpm run db:backup/);
      for (const secret of ["hunter2", "jane.doe@", "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU"]) {
        assert.ok(!request!.body.includes(secret), `webhook body must not contain ${secret}`);
        assert.ok(!stderr.includes(secret), `stderr must not contain ${secret}`);
      }
      assert.match(stderr, /ALERT error: Backup of/);
      assert.doesNotMatch(stderr, /could not be delivered/);
    } finally {
      await server.close();
    }
  });

  it("retries on 5xx and 429, then succeeds", async () => {
    const server = await startWebhookServer([503, 429, 200]);
    try {
      const { stderr } = await captureOutput(() => sendAlert(ALERT, { ALERT_WEBHOOK_URL: server.url }, FAST));
      assert.equal(server.requests.length, 3);
      assert.doesNotMatch(stderr, /could not be delivered/);
    } finally {
      await server.close();
    }
  });

  it("stops after the bounded number of retries and reports the failure without the URL's secret path", async () => {
    const server = await startWebhookServer([], 500);
    try {
      const { stderr } = await captureOutput(() => sendAlert(ALERT, { ALERT_WEBHOOK_URL: server.url }, FAST));
      assert.equal(server.requests.length, 3, "1 attempt + 2 retries");
      assert.match(stderr, /ALERT error: Backup of/, "the original alert is still printed");
      assert.match(stderr, /could not be delivered to ALERT_WEBHOOK_URL \(http:\/\/127\.0\.0\.1:\d+\): HTTP 500 .*after 3 attempt/);
      assert.doesNotMatch(stderr, /secret-token-xyz/);
    } finally {
      await server.close();
    }
  });

  it("does not retry a 4xx rejection (a wrong URL will not fix itself)", async () => {
    const server = await startWebhookServer([404]);
    try {
      const { stderr } = await captureOutput(() => sendAlert(ALERT, { ALERT_WEBHOOK_URL: server.url }, FAST));
      assert.equal(server.requests.length, 1);
      assert.match(stderr, /HTTP 404.*after 1 attempt/);
    } finally {
      await server.close();
    }
  });

  it("bounds a webhook that never answers with the per-attempt timeout", async () => {
    const server = await startWebhookServer([], "hang");
    try {
      const started = Date.now();
      const { stderr } = await captureOutput(() =>
        sendAlert(ALERT, { ALERT_WEBHOOK_URL: server.url }, { timeoutMs: 200, retries: 1, backoffMs: 10 }),
      );
      assert.equal(server.requests.length, 2);
      assert.match(stderr, /no answer within 200 ms after 2 attempt/);
      // A generous bound: proves the call returns instead of hanging, not how fast it is.
      assert.ok(Date.now() - started < 10_000);
    } finally {
      await server.close();
    }
  });

  it("reports an unreachable webhook and returns normally", async () => {
    const port = await closedPort();
    const { stderr } = await captureOutput(() =>
      sendAlert(ALERT, { ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/hook` }, FAST),
    );
    assert.match(stderr, /ALERT error/);
    assert.match(stderr, /could not be delivered.*ECONNREFUSED after 3 attempt/);
  });

  it("reports an invalid webhook URL without printing it", async () => {
    const { stderr } = await captureOutput(() => sendAlert(ALERT, { ALERT_WEBHOOK_URL: "not a url/secret" }, FAST));
    assert.match(stderr, /ALERT_WEBHOOK_URL is not a valid URL/);
    assert.doesNotMatch(stderr, /secret/);
  });

  it("db:alert writes a GitHub annotation when GITHUB_ACTIONS is set, and posts the run link", async () => {
    const server = await startWebhookServer([200]);
    try {
      const env = {
        ALERT_WEBHOOK_URL: server.url, GITHUB_ACTIONS: "true", GITHUB_REPOSITORY: "acme/app", GITHUB_RUN_ID: "42",
        GITHUB_SERVER_URL: "https://github.com",
      };
      const result = await runScript("db-alert", ["--severity", "warning", "--title", "Backup is old", "--detail", "age 30h"], env);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, "::warning::Backup is old%0Aage 30h\n");
      assert.match(result.stderr, /ALERT warning: Backup is old\n  age 30h/);
      const body = JSON.parse(server.requests[0]!.body) as { text: string };
      assert.match(body.text, /warning: Backup is old\nage 30h\nrun: https:\/\/github\.com\/acme\/app\/actions\/runs\/42$/);
    } finally {
      await server.close();
    }
  });

  it("db:alert exits 0 when the webhook fails (the warning says so) and 2 on a bad severity", async () => {
    const server = await startWebhookServer([], 500);
    try {
      const env = { ALERT_WEBHOOK_URL: server.url, ALERT_WEBHOOK_RETRIES: "0", GITHUB_ACTIONS: "" };
      const failed = await runScript("db-alert", ["--title", "Nightly backup failed"], env);
      assert.equal(failed.code, 0);
      assert.match(failed.stderr, /ALERT error: Nightly backup failed/);
      assert.match(failed.stderr, /could not be delivered.*HTTP 500/);
      const usage = await runScript("db-alert", ["--severity", "panic", "--title", "x"], env);
      assert.equal(usage.code, 2);
      assert.match(usage.stderr, /--severity must be error or warning/);
      assert.equal(server.requests.length, 1);
    } finally {
      await server.close();
    }
  });

  it("sends nothing when ALERT_WEBHOOK_URL is unset", async () => {
    const server = await startWebhookServer([200]);
    try {
      await captureOutput(() => sendAlert(ALERT, {}, FAST));
      assert.equal(server.requests.length, 0);
    } finally {
      await server.close();
    }
  });

  it("reads timeout and retries from the environment, clamped to safe bounds", () => {
    assert.deepEqual(webhookOptionsFromEnv({}), { timeoutMs: 5000, retries: 2, backoffMs: 500 });
    assert.deepEqual(webhookOptionsFromEnv({ ALERT_WEBHOOK_TIMEOUT_MS: "250", ALERT_WEBHOOK_RETRIES: "0" }), {
      timeoutMs: 250, retries: 0, backoffMs: 500,
    });
    assert.deepEqual(webhookOptionsFromEnv({ ALERT_WEBHOOK_TIMEOUT_MS: "999999", ALERT_WEBHOOK_RETRIES: "50" }), {
      timeoutMs: 30_000, retries: 5, backoffMs: 500,
    });
    assert.deepEqual(webhookOptionsFromEnv({ ALERT_WEBHOOK_TIMEOUT_MS: "abc", ALERT_WEBHOOK_RETRIES: "-1" }), {
      timeoutMs: 5000, retries: 2, backoffMs: 500,
    });
  });
});
