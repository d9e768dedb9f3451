// Everything printed goes through these helpers: credentials never leave the
// process, and personal data (emails, wallet addresses) is masked.

const URL_WITH_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@\s/]*)@/gi;
const PASSWORD_PARAM = /([?&](?:password|pass|pwd|sslpassword)=)[^&\s]*/gi;
const EMAIL = /\b([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b/g;
const SOLANA_ADDRESS = /\b([1-9A-HJ-NP-Za-km-z]{4})[1-9A-HJ-NP-Za-km-z]{24,36}([1-9A-HJ-NP-Za-km-z]{4})\b/g;
const ETHEREUM_ADDRESS = /\b(0x[0-9a-fA-F]{4})[0-9a-fA-F]{32}([0-9a-fA-F]{4})\b/g;

/** AKIA… (long-term) and ASIA… (session) access key IDs, and the other IAM unique-ID prefixes. */
const AWS_ACCESS_KEY_ID = /\b(A(?:KIA|SIA|IDA|ROA|IPA|NPA|NVA|PKA|BIA|CCA))[A-Z0-9]{16}\b/g;
/** Credentials in a signed URL or an Authorization header (SigV4 and SigV2). */
const AWS_SIGNING_PARTS = /((?:[?&](?:X-Amz-Credential|X-Amz-Signature|X-Amz-Security-Token|AWSAccessKeyId|Signature)=)|(?:\b(?:Credential|Signature)=))[^&\s,]+/g;
/** aws_secret_access_key = … as in ~/.aws/credentials, and AWS_SECRET_ACCESS_KEY=… as in a shell or .env. */
const AWS_KEY_ASSIGNMENT = /\b(aws_(?:secret_access_key|session_token|access_key_id)\s*[=:]\s*)("?)[^\s"]+\2/gi;
/** Variables whose values are secrets wherever they appear; shorter values would mask ordinary words. */
const SECRET_VARIABLES = ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID"];
const MIN_SECRET_LENGTH = 8;

/**
 * postgresql://user:secret@host/db -> postgresql://user:***@host/db (also ?password=); AWS access key IDs,
 * signatures and key assignments; and the values of AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and
 * AWS_ACCESS_KEY_ID wherever they appear.
 */
export function redactCredentials(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let redacted = text
    .replace(URL_WITH_PASSWORD, "$1***@")
    .replace(PASSWORD_PARAM, "$1***")
    .replace(AWS_KEY_ASSIGNMENT, "$1$2***$2")
    .replace(AWS_SIGNING_PARTS, "$1***")
    .replace(AWS_ACCESS_KEY_ID, "$1***");
  for (const name of SECRET_VARIABLES) {
    const secret = env[name]?.trim();
    if (secret && secret.length >= MIN_SECRET_LENGTH) redacted = redacted.split(secret).join("***");
  }
  return redacted;
}

/** j***@example.com */
export function maskEmail(email: string): string {
  return email.replace(EMAIL, "$1***@$2");
}

/** 7xKX…AsU (first and last four characters). */
export function maskWallet(address: string): string {
  if (address.length <= 8) return "***";
  return `${address.slice(0, 4)}…${address.slice(-4)}`;
}

/** Credentials, emails and wallet addresses masked: safe for any log line. */
export function redactForLog(text: string): string {
  return redactCredentials(text)
    .replace(EMAIL, "$1***@$2")
    .replace(SOLANA_ADDRESS, "$1…$2")
    .replace(ETHEREUM_ADDRESS, "$1…$2");
}
