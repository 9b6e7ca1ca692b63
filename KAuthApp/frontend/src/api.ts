import { asPage, createUserApi, type TokenPair } from "@kservices/shared";

export const { client, tokens } = createUserApi({
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
  updateMe: (input: { displayName: string | null; phoneNumber: string | null }) =>
    client.patch<Me>("/api/auth/me", input),
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
};
