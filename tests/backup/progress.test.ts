import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createProgressPrinter } from "../../scripts/lib/backup/progress.ts";

function run(tty: boolean, succeeded: boolean): string {
  let out = "";
  const printer = createProgressPrinter({ tty, write: (text) => (out += text) });
  printer.onProgress({ table: "User", rows: 0, totalRows: 1_000_000 });
  printer.onProgress({ table: "User", rows: 250_000, totalRows: 1_000_000 });
  printer.onProgress({ table: "User", rows: 1_000_000, totalRows: 1_000_000, finished: true });
  printer.onProgress({ table: "Follow", rows: 0, totalRows: 0 });
  printer.onProgress({ table: "Follow", rows: 1234, totalRows: 0 });
  if (succeeded) printer.onProgress({ table: "Follow", rows: 1234, totalRows: 0, finished: true });
  printer.finish(succeeded);
  return out;
}

describe("backup progress", () => {
  it("on a terminal: a live line per table with rows of the estimated total, percent and rate", () => {
    const out = run(true, true);
    assert.match(out, /\r\x1b\[KUser: 250,000 \/ ~1,000,000 rows \(25%\), [\d.]+ s, [\d,]+ rows\/s/);
    assert.match(out, /\r\x1b\[KUser: 1,000,000 rows, [\d.]+ s, [\d,]+ rows\/s\n/);
    assert.match(out, /\r\x1b\[KFollow: 1,234 rows, [\d.]+ s, [\d,]+ rows\/s\n$/);
  });

  it("elsewhere: exactly one plain line per finished table", () => {
    const lines = run(false, true).split("\n").filter(Boolean);
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^User: 1,000,000 rows, [\d.]+ s, [\d,]+ rows\/s$/);
    assert.match(lines[1]!, /^Follow: 1,234 rows, /);
  });

  it("with --jobs: a live line for every table being read, each finished table on its own line", () => {
    let out = "";
    const printer = createProgressPrinter({ tty: true, write: (text) => (out += text) });
    printer.onProgress({ table: "User", rows: 500, totalRows: 1000 });
    printer.onProgress({ table: "Follow", rows: 20, totalRows: 100 });
    assert.match(out, /\r\x1b\[KUser: 500 \/ ~1,000 rows \(50%\), .* \| Follow: 20 \/ ~100 rows \(20%\), /);
    printer.onProgress({ table: "User", rows: 1000, totalRows: 1000, finished: true });
    assert.match(out, /\r\x1b\[KUser: 1,000 rows, [\d.]+ s, [\d,]+ rows\/s\n\r\x1b\[KFollow: 20 \/ ~100 rows/);
    printer.finish(false);
    assert.ok(out.endsWith("\n"));
  });

  it("after a failure the unfinished table is not reported as done", () => {
    const lines = run(false, false).split("\n").filter(Boolean);
    assert.deepEqual(lines.map((line) => line.split(":")[0]), ["User"]);
  });
});
