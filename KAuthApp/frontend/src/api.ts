import { asPage, createUserApi, type TokenPair } from "@kservices/shared";

const EXPORT_PATH = "/api/auth/me/export";

// ApiClient hands back the parsed body only: the export's file name, from its answer's Content-Disposition, is noted
// here as each successful answer arrives (null when it names none; the button is busy meanwhile, so one export runs at
// a time).
let exportFileName: string | null = null;
const fetchNotingExportName: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  if (String(input) === EXPORT_PATH && response.ok) {
    exportFileName = /filename="?([\w.-]+\.json)"?/i.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ?? null;
  }
  return response;
};

// The file name when the answer gives none: the server's pattern with the local date.
function localExportName(): string {
  const now = new Date();
  const pad = (value: number) => String(value).padStart(2, "0");
  return `kservices-data-${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}.json`;
}

export const { client, tokens } = createUserApi({
  fetchImpl: fetchNotingExportName,
  onAuthFailure: () => {
    const next = `${window.location.pathname}${window.location.search}`;
    if (!window.location.pathname.startsWith("/auth/login")) {
      window.location.assign(`/auth/login?next=${encodeURIComponent(next)}`);
    }
  },
});

export interface Me {
  id: string;
  email: string;
  displayName: string | null;
  phoneNumber: string | null;
  emailVerified?: boolean;
  mfaEnabled: boolean;
  roles?: string[];
  createdAt?: string;
}

// PATCH me: an absent field stays as stored, null clears it.
export interface ProfileChanges {
  displayName?: string | null;
  phoneNumber?: string | null;
}

export interface SessionInfo {
  id: string;
  deviceFingerprint?: string | null;
  userAgent: string | null;
  ip: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt?: string | null;
  current: boolean;
}

export interface LoginInput {
  email: string;
  password: string;
  totpCode?: string;
  recoveryCode?: string;
}

export const authApi = {
  register: (input: { email: string; password: string; displayName?: string }) =>
    client.post<unknown>("/api/auth/register", input, { auth: false }),
  verifyEmail: (token: string) => client.post<unknown>("/api/auth/verify-email", { token }, { auth: false }),
  resendVerification: (email: string) =>
    client.post<unknown>("/api/auth/verify-email/resend", { email }, { auth: false }),
  login: (input: LoginInput) => client.post<TokenPair>("/api/auth/login", input, { auth: false }),
  logoutAll: () => client.post<unknown>("/api/auth/logout-all"),
  me: () => client.get<Me>("/api/auth/me"),
  updateMe: (changes: ProfileChanges) => client.patch<Me>("/api/auth/me", changes),
  changePassword: (input: { currentPassword: string; newPassword: string }) =>
    client.post<unknown>("/api/auth/password/change", input),
  forgotPassword: (email: string) => client.post<unknown>("/api/auth/password/forgot", { email }, { auth: false }),
  resetPassword: (input: { token: string; newPassword: string }) =>
    client.post<unknown>("/api/auth/password/reset", input, { auth: false }),
  // The auth service answers {sessions: [...]}; {items} and a bare array are accepted too.
  sessions: async () => {
    const data = await client.get<{ sessions?: SessionInfo[] } | unknown>("/api/auth/sessions");
    const sessions = (data as { sessions?: SessionInfo[] } | null)?.sessions;
    return sessions ?? asPage<SessionInfo>(data).items;
  },
  revokeSession: (id: string) => client.delete<unknown>(`/api/auth/sessions/${encodeURIComponent(id)}`),
  // The current password is asked again: a stolen access token alone must not bind an authenticator.
  mfaSetup: (password: string) =>
    client.post<{ provisioningUri: string; secret?: string }>("/api/auth/mfa/totp/setup", { password }),
  mfaEnable: (code: string) => client.post<{ recoveryCodes: string[] }>("/api/auth/mfa/totp/enable", { code }),
  mfaDisable: (input: { password: string; code?: string; recoveryCode?: string }) =>
    client.post<unknown>("/api/auth/mfa/totp/disable", input),
  // The same proof as mfaDisable; 204: the account is gone, every session ended and the refresh cookie cleared.
  deleteAccount: (input: { password: string; code?: string; recoveryCode?: string }) =>
    client.post<unknown>("/api/auth/me/delete", { password: input.password, code: input.code ?? null, recoveryCode: input.recoveryCode ?? null }),
  // Everything the account holds (profile, sessions, payments, activity) as a pretty-printed JSON file's text.
  // `cut`: the lists the server stopped at its row limit (their newest rows are in the file).
  exportData: async () => {
    const data = await client.get<{ truncated?: Record<string, boolean> }>(EXPORT_PATH);
    const cut = Object.entries(data?.truncated ?? {}).filter(([, stopped]) => stopped).map(([list]) => list);
    return { fileName: exportFileName ?? localExportName(), text: `${JSON.stringify(data, null, 2)}\n`, cut };
  },
};
