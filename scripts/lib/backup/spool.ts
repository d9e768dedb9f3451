// Where `--jobs N` keeps a table's later ctid range while an earlier one is
// still being written (a file's rows must stay in order): a temporary file,
// owner-only, encrypted with AES-256-CTR under a random key that lives only
// in this process — the rows hold personal data, and what a crash leaves in
// the temporary directory cannot be read by anyone.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pipeline, type Readable } from "node:stream";
import { finished } from "node:stream/promises";

const ALGORITHM = "aes-256-ctr";

export interface Spool {
  /** Appends bytes; false: wait for the next drain before writing more. */
  write(chunk: Buffer): boolean;
  /** Called at every drain. */
  onDrain(listener: () => void): void;
  /** Flushes what was written; then `readBack` may be called. */
  finish(): Promise<void>;
  /** The bytes written, in order. */
  readBack(): Readable;
}

export interface SpoolDirectory {
  create(): Spool;
  /** Removes every spool file. */
  remove(): Promise<void>;
}

export async function openSpoolDirectory(): Promise<SpoolDirectory> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "pdg-backup-spool-"));
  let count = 0;
  return {
    create() {
      const file = path.join(dir, `range-${count++}`);
      const key = randomBytes(32);
      const iv = randomBytes(16);
      const cipher = createCipheriv(ALGORITHM, key, iv);
      const out: WriteStream = createWriteStream(file, { flags: "wx", mode: 0o600 });
      // Surfaced by finish(), which the table's assembly awaits.
      out.on("error", () => {});
      return {
        write: (chunk) => out.write(cipher.update(chunk)),
        onDrain: (listener) => out.on("drain", listener),
        async finish() {
          out.end(cipher.final());
          await finished(out);
        },
        readBack: () => pipeline(createReadStream(file, { highWaterMark: 512 * 1024 }), createDecipheriv(ALGORITHM, key, iv), () => {}),
      };
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
