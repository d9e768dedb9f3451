// Everything printed goes through these helpers: credentials never leave the
// process, and personal data (emails, wallet addresses) is masked.

const URL_WITH_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@\s/]*)@/gi;
const PASSWORD_PARAM = /([?&](?:password|pass|pwd|sslpassword)=)[^&\s]*/gi;
const EMAIL = /\b([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b/g;
const SOLANA_ADDRESS = /\b([1-9A-HJ-NP-Za-km-z]{4})[1-9A-HJ-NP-Za-km-z]{24,36}([1-9A-HJ-NP-Za-km-z]{4})\b/g;
const ETHEREUM_ADDRESS = /\b(0x[0-9a-fA-F]{4})[0-9a-fA-F]{32}([0-9a-fA-F]{4})\b/g;

/** postgresql://user:secret@host/db -> postgresql://user:***@host/db (also ?password=). */
export function redactCredentials(text: string): string {
  return text.replace(URL_WITH_PASSWORD, "$1***@").replace(PASSWORD_PARAM, "$1***");
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
