// S3 failures as one line: the cause in words, the server's code, and what to
// do. The SDK's exceptions carry the S3 error code as their name; network
// failures carry a Node error code.
import { OperationError } from "../../errors.ts";
import { describeEndpoint, type S3Settings } from "./client.ts";

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EPIPE", "ECONNABORTED"]);

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** The S3 error code or Node error code of a failure, if any. */
function s3ErrorCode(error: unknown): string | undefined {
  const { name, code } = (error ?? {}) as SdkError;
  if (code) return code;
  return name && name !== "Error" && name !== "S3ServiceException" ? name : undefined;
}

export function isMissingObject(error: unknown): boolean {
  const code = s3ErrorCode(error);
  const status = (error as SdkError)?.$metadata?.httpStatusCode;
  return code === "NoSuchKey" || code === "NotFound" || (status === 404 && code !== "NoSuchBucket");
}

/** What went wrong with a request to `bucket`, and what to do about it. */
export function s3ErrorCause(error: unknown, bucket: string, settings: S3Settings): string {
  const code = s3ErrorCode(error) ?? "";
  const status = (error as SdkError)?.$metadata?.httpStatusCode;
  const message = ((error as SdkError)?.message ?? String(error)).split("\n")[0]!;
  const endpoint = describeEndpoint(settings);
  if (code === "NoSuchBucket" || (code === "NotFound" && status === 404)) {
    return `the bucket "${bucket}" does not exist on ${endpoint} (NoSuchBucket); create it, or correct the location`;
  }
  if (code === "InvalidAccessKeyId") {
    return `${endpoint} does not know this access key (InvalidAccessKeyId); check AWS_ACCESS_KEY_ID (or AWS_PROFILE)`;
  }
  if (code === "SignatureDoesNotMatch") {
    return `the secret key does not match the access key (SignatureDoesNotMatch); check AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)`;
  }
  if (code === "ExpiredToken" || code === "InvalidToken" || code === "TokenRefreshRequired") {
    return `the session credentials are expired or invalid (${code}); renew them (AWS_SESSION_TOKEN, aws sso login)`;
  }
  if (code === "CredentialsProviderError" || /Could not load credentials/i.test(message)) {
    return "no AWS credentials were found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE";
  }
  if (code === "AccessDenied" || code === "AllAccessDisabled" || status === 403) {
    return `access denied (${code || "HTTP 403"}); the credentials lack a permission the command needs on "${bucket}" (s3:ListBucket, s3:GetObject, s3:PutObject, s3:DeleteObject, s3:AbortMultipartUpload) — see DATABASE.md`;
  }
  if (code === "PermanentRedirect" || code === "AuthorizationHeaderMalformed" || code === "IllegalLocationConstraintException") {
    return `the bucket "${bucket}" is in another region (${code}); set AWS_REGION to the bucket's region`;
  }
  if (/Region is missing/i.test(message)) return "no region is configured; set AWS_REGION (e.g. us-east-1, or auto for Cloudflare R2)";
  if (/Exceeded \d+ parts/.test(message)) {
    return "the file is larger than one S3 upload of 10,000 parts of 5 MiB allows (48.8 GiB); back it up with --gzip, or this table to a local directory";
  }
  if (code === "InvalidObjectState") {
    return "the object is archived in a storage class that must be restored before it can be read (InvalidObjectState); restore it from the archive, then retry";
  }
  if (code === "SlowDown" || code === "ServiceUnavailable" || status === 503) {
    return `${endpoint} is throttling or unavailable (${code || "HTTP 503"}); retry later, or lower BACKUP_S3_CONCURRENCY`;
  }
  if (NETWORK_CODES.has(code) || code === "TimeoutError" || /socket hang up/i.test(message)) {
    return `cannot reach the S3 endpoint ${endpoint} (${code || message}); check the network, AWS_ENDPOINT_URL_S3 and that the server is up`;
  }
  return `${message}${code ? ` (${code}${status ? `, HTTP ${status}` : ""})` : ""}`;
}

export function describeS3Error(error: unknown, action: string, location: string, bucket: string, settings: S3Settings): OperationError {
  if (error instanceof OperationError) return error;
  return new OperationError(`cannot ${action} ${location}: ${s3ErrorCause(error, bucket, settings)}`);
}
