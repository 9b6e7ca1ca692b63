import { useState } from "react";
import { ModalDialog, useNow, useRouter } from "@kservices/shared";
import { tokens } from "./api";
import { AdminSignInForm } from "./signInForm";
import { endSession, useSessionStatus } from "./session";

// How long before the token's expiry the console offers a new sign-in.
export const WARN_BEFORE_MS = 60_000;

// Seconds until the admin token ends, once that is within WARN_BEFORE_MS; null before then or without a token.
function useSecondsLeft(active: boolean): number | null {
  const now = useNow(1000, active);
  const left = tokens.getExpiresAt() - now;
  if (!active || left > WARN_BEFORE_MS) return null;
  return Math.max(0, Math.ceil(left / 1000));
}

// Keeps the open page when the admin token nears its end or ends: a notice offers a new sign-in beforehand,
// and once the token is gone a modal sign-in dialog replaces it in place (the page and its edits stay).
// Another admin signing in goes to the console home instead, so nothing of the previous page is kept.
export function SessionGuard() {
  const status = useSessionStatus();
  const { navigate } = useRouter();
  const [asked, setAsked] = useState(false);
  const secondsLeft = useSecondsLeft(status === "active");
  const expired = status === "expired";

  const signedIn = (accountChanged: boolean) => {
    setAsked(false);
    if (accountChanged) navigate("/");
  };
  return (
    <>
      {secondsLeft !== null && !asked ? (
        <div className="alert alert-warning session-notice" role="region" aria-label="Admin session">
          <p role="status" className="visually-hidden">Your admin session ends in less than a minute. Sign in again to keep working.</p>
          <p>Your admin session ends in {secondsLeft} s. Sign in again to keep working.</p>
          <button type="button" className="button button-small" aria-haspopup="dialog" onClick={() => setAsked(true)}>Sign in again</button>
        </div>
      ) : null}
      {expired || asked ? (
        <ModalDialog
          title={expired ? "Your admin session ended" : "Sign in again"}
          description={expired
            ? "Sign in again to keep working. Your unsaved changes stay on this page; nothing was sent while you were signed out."
            : "Sign in again before your admin session ends. Your unsaved changes stay on this page."}
          onCancel={expired ? undefined : () => setAsked(false)}
        >
          <AdminSignInForm onSignedIn={signedIn} />
          <div className="actions">
            {expired ? (
              <button type="button" className="button" onClick={() => { endSession(); setAsked(false); navigate("/login", { replace: true }); }}>Sign out</button>
            ) : (
              <button type="button" className="button" onClick={() => setAsked(false)}>Cancel</button>
            )}
          </div>
        </ModalDialog>
      ) : null}
    </>
  );
}
