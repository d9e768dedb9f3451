import assert from "node:assert/strict";
import { readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { after, describe, it } from "node:test";
import { openRepository } from "../../scripts/lib/repository/index.ts";
import { PendingFile } from "../../scripts/lib/repository/posix/write.ts";
import { listAll, removeDir, tempDir } from "./support.ts";

describe("the local-directory repository", () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await removeDir(dir);
  });
  async function dir(): Promise<string> {
    const made = await tempDir("files");
    dirs.push(made);
    return made;
  }

  it("writes under a hidden temporary name, owner-only, and renames on commit", async () => {
    const where = await dir();
    const file = openRepository(where).openWrite("users-backup-X.json") as PendingFile;
    await pipeline(Readable.from([Buffer.from("[\n]\n")]), file.writable);
    assert.deepEqual(await listAll(where), [path.basename(file.tempPath)]);
    assert.match(path.basename(file.tempPath), /^\.users-backup-X\.json\.partial-[0-9a-f]{8}$/);
    assert.equal((await stat(file.tempPath)).mode & 0o777, 0o600);
    await file.commit();
    assert.deepEqual(await listAll(where), ["users-backup-X.json"]);
    assert.equal((await stat(file.location)).mode & 0o777, 0o600);
  });

  it("never replaces an existing file, and discard removes what it wrote", async () => {
    const where = await dir();
    await writeFile(path.join(where, "taken.json"), "keep me");
    const file = openRepository(where).openWrite("taken.json");
    await pipeline(Readable.from([Buffer.from("new")]), file.writable);
    await assert.rejects(file.commit(), /cannot write .*taken\.json: a file already exists there \(EEXIST\)/);
    await file.discard();
    assert.deepEqual(await listAll(where), ["taken.json"]);
    assert.equal(await readFile(path.join(where, "taken.json"), "utf8"), "keep me");
  });

  it("creates a missing backup directory owner-only", async () => {
    const where = path.join(await dir(), "nested", "backups");
    await openRepository(where).prepareForWriting();
    assert.equal((await stat(where)).mode & 0o777, 0o700);
  });
});
