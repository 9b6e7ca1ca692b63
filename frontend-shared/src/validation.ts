export type FieldErrors = Record<string, string>;

// One "@" with text before it, no white space, a dot inside the domain: the regex this replaces
// (/^[^\s@]+@[^\s@]+\.[^\s@]+$/) backtracked quadratically on a domain of dots (32 KB took 0.5 s).
function looksLikeEmail(text: string): boolean {
  const at = text.indexOf("@");
  return at > 0 && at === text.lastIndexOf("@") && !/\s/.test(text) && text.slice(at + 2, -1).includes(".");
}

export function validateEmail(email: string): string | undefined {
  if (!email.trim()) return "Enter your email address.";
  if (!looksLikeEmail(email.trim())) return "Enter a valid email address, like name@example.com.";
  return undefined;
}

// Mirrors the backend policy (issue 5): 8..128 characters, not containing the email's local part.
// The common-password list is only checked by the server.
export function validateNewPassword(password: string, email?: string): string | undefined {
  if (!password) return "Enter a password.";
  if (password.length < 8) return "Use at least 8 characters.";
  if (password.length > 128) return "Use at most 128 characters.";
  const local = email?.split("@")[0]?.trim().toLowerCase();
  if (local && local.length >= 3 && password.toLowerCase().includes(local)) {
    return "The password must not contain your email name.";
  }
  return undefined;
}

export function validateRequired(value: string, label: string): string | undefined {
  return value.trim() ? undefined : `Enter ${label}.`;
}

const DECIMAL_DIGIT = /\p{Nd}/u;

// The ASCII value of a decimal digit of any script ("٣", "३"): Unicode keeps each script's digits 0-9 in one
// contiguous run, and runs of adjacent scripts start at a 0 as well.
function asciiDigit(char: string): string {
  const point = char.codePointAt(0)!;
  let start = point;
  while (start > 0 && DECIMAL_DIGIT.test(String.fromCodePoint(start - 1))) start -= 1;
  return String((point - start) % 10);
}

// A TOTP code as the server reads it: ASCII digits only. Authenticators show "123 456", phones type fullwidth or
// Arabic-Indic digits; the server refuses those as a wrong code (which counts toward the lockout), so they are
// turned into ASCII here, and spaces and dashes go.
export function normalizeTotp(code: string): string {
  return code
    .normalize("NFKC")
    .replace(/[\s\-\u2010-\u2015\u2212]/gu, "")
    .replace(/\p{Nd}/gu, (digit) => (/[0-9]/.test(digit) ? digit : asciiDigit(digit)));
}

export function validateTotp(code: string): string | undefined {
  if (!/^[0-9]{6}$/.test(normalizeTotp(code))) return "Enter the 6-digit code from your authenticator app.";
  return undefined;
}

export function compact(errors: Record<string, string | undefined>): FieldErrors {
  const out: FieldErrors = {};
  for (const [key, value] of Object.entries(errors)) if (value) out[key] = value;
  return out;
}

export function hasErrors(errors: FieldErrors): boolean {
  return Object.keys(errors).length > 0;
}
