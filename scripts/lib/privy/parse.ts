// Streams an export's data rows with the line each starts on, in flat memory
// (csv-parse's streaming API over a file stream).
import { createReadStream } from "node:fs";
import { parse, CsvError } from "csv-parse";
import { OperationError } from "../errors.ts";
import type { ExportHeader } from "./export-format.ts";

export interface ExportRow {
  /** The file line the row starts on (the header is line 1). */
  line: number;
  record: string[];
}

function countLineBreaks(record: string[]): number {
  let count = 0;
  for (const field of record) {
    for (let at = field.indexOf("\n"); at !== -1; at = field.indexOf("\n", at + 1)) count++;
  }
  return count;
}

function isBlank(record: string[]): boolean {
  return record.length === 1 && (record[0] ?? "").trim() === "";
}

/** Rows per batch: the pipeline (parse, map, COPY) hands on arrays, not single rows. */
const BATCH_SIZE = 1000;

/**
 * The data rows (header and blank lines skipped), at most `limit` of them, in
 * batches of up to BATCH_SIZE (one await per batch instead of three per row).
 * Line numbers are counted here rather than taken from csv-parse's `info`
 * (which counts a CRLF inside a quoted field as two lines, and costs a third of
 * the parse time): each record spans one line plus the line breaks inside its fields.
 * A damaged file (e.g. a quote never closed) is an OperationError.
 */
export async function* readExportBatches(file: string, header: ExportHeader, limit = Infinity): AsyncGenerator<ExportRow[]> {
  const parser = parse({
    delimiter: header.delimiter,
    bom: true,
    relax_column_count: true,
    // Privy writes JSON (custom metadata) unquoted in its TSV: quotes inside a field are data.
    relax_quotes: true,
    // Any line ending, record by record: left to itself csv-parse keeps the first one it meets, and a
    // hand-edited export that mixes CRLF and LF lines would have rows glued together.
    record_delimiter: ["\r\n", "\n", "\r"],
  });
  const source = createReadStream(file);
  source.on("error", (error) => parser.destroy(error));
  let nextLine = 1;
  let lastRowLine = 1;
  let rows = 0;
  let batch: ExportRow[] = [];
  try {
    for await (const record of source.pipe(parser) as AsyncIterable<string[]>) {
      const line = nextLine;
      nextLine += 1 + countLineBreaks(record);
      if (line === 1 || isBlank(record)) continue;
      if (rows++ === limit) break;
      lastRowLine = line;
      batch.push({ line, record });
      if (batch.length === BATCH_SIZE) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  } catch (error) {
    if (error instanceof CsvError) {
      throw new OperationError(
        `${file}: the file is damaged after line ${lastRowLine} (${error.code}); nothing was imported — ` +
          `fix the quoting there (a quote never closed makes the rest of the file one field) and re-run`,
      );
    }
    throw error;
  } finally {
    source.destroy();
  }
}
