export type FieldErrors = Record<string, string>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function validateEmail(email: string): string | undefined {
  if (!email.trim()) return "Enter your email address.";
  if (!EMAIL.test(email.trim())) return "Enter a valid email address, like name@example.com.";
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

export function validateTotp(code: string): string | undefined {
  if (!/^\d{6}$/.test(code.trim())) return "Enter the 6-digit code from your authenticator app.";
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
