import { useState } from "react";
import { ErrorMessage, Field, Form, SubmitButton, compact, hasErrors, isApiError, normalizeTotp, serverFieldErrors, useAction, validateEmail, validateRequired, validateTotp, type FieldErrors } from "@kservices/shared";
import { adminApi } from "./api";
import { startSession } from "./session";

// The admin sign-in (password, then the authenticator or a recovery code after 401 mfa_required), used by the
// login page and the in-page sign-in dialog. `onSignedIn` learns whether another admin than before signed in.
export function AdminSignInForm({ onSignedIn, autoFocus = false }: { onSignedIn: (accountChanged: boolean) => void; autoFocus?: boolean }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [totpCode, setTotpCode] = useState("");
  const [needsCode, setNeedsCode] = useState(false);
  const [useRecovery, setUseRecovery] = useState(false);
  const [clientErrors, setClientErrors] = useState<FieldErrors>({});
  const login = useAction(async () => {
    try {
      const pair = await adminApi.login({ email: email.trim(), password, ...(needsCode ? (useRecovery ? { recoveryCode: totpCode.trim() } : { totpCode: normalizeTotp(totpCode) }) : {}) });
      onSignedIn(startSession(email, pair));
    } catch (error) {
      if (isApiError(error) && error.code === "mfa_required" && !needsCode) {
        setNeedsCode(true);
        return;
      }
      throw error;
    }
  });
  const submit = () => {
    const errors = compact({
      email: validateEmail(email),
      password: validateRequired(password, "your password"),
      totpCode: needsCode ? (useRecovery ? validateRequired(totpCode, "a recovery code") : validateTotp(totpCode)) : undefined,
    });
    setClientErrors(errors);
    if (!hasErrors(errors)) void login.run();
  };
  const fieldErrors = { ...serverFieldErrors(login.error), ...clientErrors };
  return (
    <>
      <ErrorMessage error={login.error} overrides={{ permission_denied: "This account is not an administrator.", mfa_enrollment_required: "The console needs two-factor authentication on this account: sign in to your account at /auth/, turn on two-factor authentication there, then sign in here again." }} knownFields={["email", "password", "totpCode", "recoveryCode"]} />
      {isApiError(login.error) && login.error.code === "mfa_enrollment_required" ? <p><a href="/auth/mfa">Turn on two-factor authentication in your account</a></p> : null}
      <Form onSubmit={submit} label="Administrator sign in" error={login.error}>
        <Field label="Email" name="email" type="email" autoComplete="username" value={email} onChange={setEmail} error={fieldErrors.email} required autoFocus={autoFocus} />
        <Field label="Password" name="password" type="password" autoComplete="current-password" value={password} onChange={setPassword} error={fieldErrors.password} required />
        {needsCode ? (
          <Field key={useRecovery ? "recovery" : "totp"} label={useRecovery ? "Recovery code" : "Authentication code"} name={useRecovery ? "recoveryCode" : "totpCode"} inputMode={useRecovery ? "text" : "numeric"} autoComplete="one-time-code" value={totpCode} onChange={setTotpCode} error={fieldErrors.totpCode ?? fieldErrors.recoveryCode} required autoFocus />
        ) : null}
        <SubmitButton busy={login.busy} busyLabel="Signing in...">Sign in</SubmitButton>
        {needsCode ? (
          <button type="button" className="button" onClick={() => { setUseRecovery(!useRecovery); setTotpCode(""); setClientErrors({}); }}>
            {useRecovery ? "Use an authenticator code" : "Use a recovery code"}
          </button>
        ) : null}
      </Form>
    </>
  );
}
