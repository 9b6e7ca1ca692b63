import { useRef } from "react";
import type { ApiClient } from "./api";
import { useAction } from "./components";
import { ApiError } from "./errors";

// POST /api/auth/logout, then drop the access token and tell the other tabs (TokenStore.endSession). Only a 2xx, or
// a 401 after which the client itself gave the session up (revoked, or its refresh refused), means the session is
// over. After a 429, a 5xx or no answer the server session and the HttpOnly refresh cookie may still be valid: the
// error is thrown and the tokens are kept, so the page still shows the user signed in, with the error and the button
// to try again.
export async function signOut(client: ApiClient): Promise<void> {
  try {
    await client.post<unknown>("/api/auth/logout");
  } catch (error) {
    const sessionGone = error instanceof ApiError && error.status === 401 && !client.tokens?.canRefresh();
    if (!sessionGone) throw error;
  }
  client.tokens?.endSession();
}

// The sign-out button's action: signOut, then `signedOut` (to the sign-in page); `run` resolves true once signed out,
// and its error is for ErrorMessage. The button (`buttonRef`) is disabled while it runs: after a failure focus goes
// back to it, not to <body>.
export function useSignOut(client: ApiClient, signedOut: () => void) {
  const buttonRef = useRef<HTMLButtonElement>(null);
  const action = useAction(async () => {
    await signOut(client);
    signedOut();
    return true;
  }, { focusAfter: [buttonRef] });
  return { ...action, buttonRef };
}
