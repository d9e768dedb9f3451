// Encryption at rest: AES-256-GCM (node:crypto) applied as a file streams.
//
// The key comes from BACKUP_ENCRYPTION_KEY through scrypt, with a random salt
// per backup set. scrypt rather than HKDF because the secret is often a
// passphrase a person chose: HKDF is only sound for secrets that are already
// high-entropy keys, while scrypt makes every guess cost ~32 MB and tens of
// milliseconds. A fresh random 96-bit IV per file; the header and the file's
// own name are authenticated data, so a file cannot be swapped for another.
//
// File layout: "PDGENC01" (8 bytes) | salt (16) | IV (12) | ciphertext | GCM tag (16).
import {
  createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, scrypt, timingSafeEqual, type DecipherGCM,
} from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { ConfigError, OperationError } from "../errors.ts";

export const ENCRYPTION_KEY_VARIABLE = "BACKUP_ENCRYPTION_KEY";

const ALGORITHM = "aes-256-gcm";
const MAGIC = Buffer.from("PDGENC01", "ascii");
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + SALT_BYTES + IV_BYTES;
const KEY_CHECK_LABEL = "prisma-data-guard backup key check";

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };

export interface EncryptionInfo {
  algorithm: "aes-256-gcm";
  kdf: "scrypt";
  kdfParams: ScryptParams & { keyLength: 32 };
  /** Base64 salt of this set's key derivation. */
  salt: string;
  /** HMAC of a fixed label under the derived key: tells a wrong key from a damaged file, reveals nothing. */
  keyCheck: string;
  /** How each table file is laid out. */
  fileLayout: string;
}

export interface SetKey {
  key: Buffer;
  salt: Buffer;
  info: EncryptionInfo;
}

const derivedKeys = new Map<string, Promise<Buffer>>();

function deriveKey(secret: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const cacheKey = createHash("sha256").update(secret).update(salt).update(JSON.stringify(params)).digest("hex");
  let key = derivedKeys.get(cacheKey);
  if (!key) {
    key = new Promise<Buffer>((resolve, reject) =>
      scrypt(secret, salt, 32, { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 }, (error, derived) =>
        error ? reject(error) : resolve(derived),
      ),
    );
    derivedKeys.set(cacheKey, key);
  }
  return key;
}

function keyCheckOf(key: Buffer): string {
  return createHmac("sha256", key).update(KEY_CHECK_LABEL).digest("hex");
}

function requireSecret(secret: string): void {
  if (!secret.trim()) throw new ConfigError(`${ENCRYPTION_KEY_VARIABLE} is set but empty; set a secret or unset it.`);
}

/** A new key (fresh salt) for a backup set about to be written. */
export async function newSetKey(secret: string): Promise<SetKey> {
  requireSecret(secret);
  const salt = randomBytes(SALT_BYTES);
  const key = await deriveKey(secret, salt, DEFAULT_SCRYPT);
  return {
    key,
    salt,
    info: {
      algorithm: ALGORITHM,
      kdf: "scrypt",
      kdfParams: { ...DEFAULT_SCRYPT, keyLength: 32 },
      salt: salt.toString("base64"),
      keyCheck: keyCheckOf(key),
      fileLayout: "PDGENC01 | salt 16 B | IV 12 B | AES-256-GCM ciphertext | tag 16 B; AAD = header + file name",
    },
  };
}

/**
 * The key of an existing set, derived from `secret` with the set's salt.
 * Throws an OperationError naming `setName` when the secret is not the one the set was made with.
 */
export async function existingSetKey(secret: string, info: EncryptionInfo, setName: string): Promise<SetKey> {
  requireSecret(secret);
  if (info.algorithm !== ALGORITHM || info.kdf !== "scrypt") {
    throw new OperationError(`${setName} uses ${info.algorithm}/${info.kdf}, which this tool cannot decrypt.`);
  }
  const salt = Buffer.from(info.salt, "base64");
  const key = await deriveKey(secret, salt, { N: info.kdfParams.N, r: info.kdfParams.r, p: info.kdfParams.p });
  const expected = Buffer.from(info.keyCheck, "hex");
  const actual = Buffer.from(keyCheckOf(key), "hex");
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    throw new WrongKeyError(setName);
  }
  return { key, salt, info };
}

export class WrongKeyError extends OperationError {
  constructor(setName: string) {
    super(
      `${setName}: ${ENCRYPTION_KEY_VARIABLE} is not the key this backup set was encrypted with; set the key that was in use when it was made.`,
    );
  }
}

/** Encrypts a stream into the file layout above. `fileName` is bound to the ciphertext. */
export function createEncryptStream(setKey: SetKey, fileName: string): Transform {
  const iv = randomBytes(IV_BYTES);
  const header = Buffer.concat([MAGIC, setKey.salt, iv]);
  const cipher = createCipheriv(ALGORITHM, setKey.key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.concat([header, Buffer.from(fileName, "utf8")]));
  let headerWritten = false;
  const writeHeader = (stream: Transform) => {
    if (!headerWritten) stream.push(header);
    headerWritten = true;
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      writeHeader(this);
      callback(null, cipher.update(chunk));
    },
    flush(callback: TransformCallback) {
      writeHeader(this);
      this.push(cipher.final());
      callback(null, cipher.getAuthTag());
    },
  });
}

/**
 * Decrypts a whole encrypted file streamed through it. Plaintext flows out as
 * it is decrypted; the GCM tag is checked at the end, and a failed check is an
 * error naming the file. Callers must treat data as authentic only once the
 * stream has ended without error.
 */
export function createDecryptStream(setKey: SetKey, fileName: string): Transform {
  let header = Buffer.alloc(0);
  let decipher: DecipherGCM | null = null;
  // The last TAG_BYTES seen so far may be the tag: hold them back until the end.
  let tail = Buffer.alloc(0);
  const failure = (reason: string) => new OperationError(`${fileName}: ${reason}`);

  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      let data = chunk;
      if (!decipher) {
        header = Buffer.concat([header, data]);
        if (header.length < HEADER_BYTES) return callback();
        data = header.subarray(HEADER_BYTES);
        header = header.subarray(0, HEADER_BYTES);
        if (!header.subarray(0, MAGIC.length).equals(MAGIC)) {
          return callback(failure("not an encrypted backup file (unknown header); the file was replaced or damaged."));
        }
        if (!header.subarray(MAGIC.length, MAGIC.length + SALT_BYTES).equals(setKey.salt)) {
          return callback(failure("was encrypted for another backup set (its salt differs from the summary's)."));
        }
        decipher = createDecipheriv(ALGORITHM, setKey.key, header.subarray(MAGIC.length + SALT_BYTES), {
          authTagLength: TAG_BYTES,
        });
        decipher.setAAD(Buffer.concat([header, Buffer.from(fileName, "utf8")]));
      }
      const available = Buffer.concat([tail, data]);
      const cut = Math.max(0, available.length - TAG_BYTES);
      tail = available.subarray(cut);
      callback(null, cut > 0 ? decipher.update(available.subarray(0, cut)) : undefined);
    },
    flush(callback: TransformCallback) {
      if (!decipher || tail.length < TAG_BYTES) {
        return callback(failure("is shorter than an encrypted file's header and tag; it was truncated."));
      }
      decipher.setAuthTag(tail);
      try {
        callback(null, decipher.final());
      } catch {
        callback(
          failure(
            `failed authentication (AES-256-GCM tag mismatch): the file was altered or damaged after the backup, or ${ENCRYPTION_KEY_VARIABLE} is wrong.`,
          ),
        );
      }
    },
  });
}
