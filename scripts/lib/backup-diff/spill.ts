// Where a large table's records wait while the diff compares it one partition
// at a time (Grace hash join): a private scratch directory (0700, its files
// 0600 — they hold the rows in clear, even of an encrypted set), removed when
// the work ends, fails, or the process exits. A partition file is a run of
// records: key length (4 bytes), key, values length (4 bytes), values.
import { rmSync } from "node:fs";
import { mkdtemp, open, readFile, rm, type FileHandle } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ByteOutput } from "../byte-output.ts";

/** Records kept in memory per partition before they are written out. */
const FLUSH_BYTES = 64 * 1024;

/** Runs `work` with a fresh private directory, removed afterwards whatever happens. */
export async function withScratchDirectory<T>(work: (dir: string) => Promise<T>, parent = os.tmpdir()): Promise<T> {
  // mkdtemp creates the directory with mode 0700.
  const dir = await mkdtemp(path.join(parent, "pdg-diff-"));
  const removeNow = () => rmSync(dir, { recursive: true, force: true });
  process.once("exit", removeNow);
  try {
    return await work(dir);
  } finally {
    process.off("exit", removeNow);
    await rm(dir, { recursive: true, force: true });
  }
}

/** FNV-1a over a record's bytes (one per character): spreads keys evenly over partitions. */
export function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % partitions;
}

export class PartitionWriter {
  private readonly pending: ByteOutput[];

  private constructor(private readonly files: FileHandle[]) {
    this.pending = files.map(() => new ByteOutput(FLUSH_BYTES * 2));
  }

  static async create(paths: string[]): Promise<PartitionWriter> {
    const files: FileHandle[] = [];
    try {
      for (const file of paths) files.push(await open(file, "wx", 0o600));
    } catch (error) {
      for (const file of files) await file.close();
      throw error;
    }
    return new PartitionWriter(files);
  }

  add(key: string, values: Buffer): void {
    const out = this.pending[partitionOf(key, this.files.length)]!;
    out.reserve(8 + key.length + values.length);
    const at = out.length;
    const buffer = out.buffer;
    buffer.writeUInt32LE(key.length, at);
    // Keys are short: a loop beats Buffer.write's per-call overhead.
    for (let i = 0; i < key.length; i++) buffer[at + 4 + i] = key.charCodeAt(i);
    buffer.writeUInt32LE(values.length, at + 4 + key.length);
    out.length = at + 8 + key.length;
    out.bytes(values);
  }

  /** Writes out the partitions that have gathered enough (call after each batch of add()). */
  async flush(all = false): Promise<void> {
    for (let partition = 0; partition < this.files.length; partition++) {
      const out = this.pending[partition]!;
      if (out.length === 0 || (!all && out.length < FLUSH_BYTES)) continue;
      await this.files[partition]!.write(out.buffer, 0, out.length);
      out.length = 0;
    }
  }

  async close(): Promise<void> {
    try {
      await this.flush(true);
    } finally {
      for (const file of this.files) await file.close();
    }
  }
}

/** A partition file's records, as [key, values]; the values are views into the file's bytes, read whole. */
export async function readPartition(file: string): Promise<Iterable<[string, Buffer]>> {
  return records(await readFile(file));
}

function* records(bytes: Buffer): Generator<[string, Buffer]> {
  for (let at = 0; at < bytes.length; ) {
    const keyLength = bytes.readUInt32LE(at);
    const key = bytes.toString("latin1", at + 4, at + 4 + keyLength);
    at += 4 + keyLength;
    const valuesLength = bytes.readUInt32LE(at);
    yield [key, bytes.subarray(at + 4, at + 4 + valuesLength)];
    at += 4 + valuesLength;
  }
}
