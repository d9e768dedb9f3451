// The S3 client and the settings it is built from. Credentials, region and
// endpoint come from the SDK's standard chain (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE, AWS_REGION,
// AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL); our own variables only add what the
// SDK has no standard name for.
import type { S3Client } from "@aws-sdk/client-s3";
import { ConfigError } from "../../errors.ts";

export interface S3Settings {
  /** A custom endpoint (R2, MinIO, B2, GCS…), or null for AWS S3 itself. */
  endpoint: string | null;
  forcePathStyle: boolean;
  /** AWS_REGION; us-east-1 for a custom endpoint without one (such servers accept it); else the SDK's profile chain decides. */
  region: string | undefined;
  serverSideEncryption: "AES256" | "aws:kms" | undefined;
  kmsKeyId: string | undefined;
  storageClass: string | undefined;
  /** Parts of one upload in flight at once (BACKUP_S3_CONCURRENCY). */
  concurrency: number;
}

const SSE_VALUES = ["AES256", "aws:kms"] as const;
const DEFAULT_CONCURRENCY = 4;

function flag(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const value = env[name]?.trim().toLowerCase();
  if (!value) return undefined;
  if (["1", "true", "yes", "on"].includes(value)) return true;
  if (["0", "false", "no", "off"].includes(value)) return false;
  throw new ConfigError(`${name}="${env[name]}" is not understood: use true or false`);
}

export function s3SettingsFromEnv(env: NodeJS.ProcessEnv = process.env): S3Settings {
  const endpoint = env.AWS_ENDPOINT_URL_S3?.trim() || env.AWS_ENDPOINT_URL?.trim() || null;
  if (endpoint && !/^https?:\/\/[^/\s]+/i.test(endpoint)) {
    throw new ConfigError(`the S3 endpoint "${endpoint}" (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL) is not an http(s):// URL`);
  }
  const sse = env.BACKUP_S3_SSE?.trim() || undefined;
  if (sse !== undefined && !(SSE_VALUES as readonly string[]).includes(sse)) {
    throw new ConfigError(`BACKUP_S3_SSE="${sse}" is not understood: use AES256 or aws:kms (or leave it unset)`);
  }
  const kmsKeyId = env.BACKUP_S3_KMS_KEY_ID?.trim() || undefined;
  if (kmsKeyId && sse !== "aws:kms") throw new ConfigError("BACKUP_S3_KMS_KEY_ID is set: it needs BACKUP_S3_SSE=aws:kms");
  const storageClass = env.BACKUP_S3_STORAGE_CLASS?.trim() || undefined;
  if (storageClass !== undefined && !/^[A-Z_]+$/.test(storageClass)) {
    throw new ConfigError(`BACKUP_S3_STORAGE_CLASS="${storageClass}" is not a storage class (e.g. STANDARD, STANDARD_IA, GLACIER_IR)`);
  }
  const concurrencyText = env.BACKUP_S3_CONCURRENCY?.trim();
  const concurrency = concurrencyText ? Number(concurrencyText) : DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new ConfigError(`BACKUP_S3_CONCURRENCY="${concurrencyText}" must be a whole number from 1 to 64 (default ${DEFAULT_CONCURRENCY})`);
  }
  return {
    endpoint,
    // Custom servers are reached by path (http://host/bucket/key); virtual-hosted names need DNS they rarely have.
    forcePathStyle: flag(env, "BACKUP_S3_PATH_STYLE") ?? endpoint !== null,
    region: env.AWS_REGION?.trim() || (endpoint ? "us-east-1" : undefined),
    serverSideEncryption: sse as S3Settings["serverSideEncryption"],
    kmsKeyId,
    storageClass,
    concurrency,
  };
}

/** How messages name the server: the custom endpoint, or AWS S3. */
export function describeEndpoint(settings: S3Settings): string {
  return settings.endpoint ?? "AWS S3";
}

/** The S3 SDK, imported here on first use and nowhere else: commands on a local directory never pay for it. */
export function s3Sdk(): Promise<typeof import("@aws-sdk/client-s3")> {
  return import("@aws-sdk/client-s3");
}

export async function createS3Client(settings: S3Settings): Promise<S3Client> {
  // The SDK's versions are pinned in the lockfile; its notice about releases after January 2027 needing Node 22
  // gives the user of a command nothing to do, so it is not printed on every run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const { S3Client } = await s3Sdk();
  return new S3Client({
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.region ? { region: settings.region } : {}),
    forcePathStyle: settings.forcePathStyle,
    followRegionRedirects: true,
    requestHandler: { connectionTimeout: 10_000, socketTimeout: 300_000 },
  });
}
