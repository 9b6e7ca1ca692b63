import { useRef, useState } from "react";
import {
  Card, ErrorMessage, Field, Form, Link, Notice, SubmitButton, compact, hasErrors, isApiError, safeNext,
  normalizeTotp, serverFieldErrors, useAction, useRouter, validateEmail, validateRequired, validateTotp, type FieldErrors,
} from "@kservices/shared";
import { authApi, tokens } from "../api";

export function LoginPage() {
  const { query, navigate } = useRouter();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [step, setStep] = useState<"password" | "mfa">("password");
  const [useRecovery, setUseRecovery] = useState(false);
  const [code, setCode] = useState("");
  const [clientErrors, setClientErrors] = useState<FieldErrors>({});
  const [resent, setResent] = useState(false);

  const login = useAction(async () => {
    const input = {
      email: email.trim(),
      password,
      ...(step === "mfa" ? (useRecovery ? { recoveryCode: code.trim() } : { totpCode: normalizeTotp(code) }) : {}),
    };
    try {
      const pair = await authApi.login(input);
      tokens.setTokens(pair);
      const next = safeNext(query.get("next"), "/auth/");
      if (next.startsWith("/auth/")) navigate(next, { replace: true });
      else window.location.assign(next);
    } catch (error) {
      if (isApiError(error) && error.code === "mfa_required" && step === "password") {
        setStep("mfa");
        return;
      }
      throw error;
    }
  });

  // The resend button is disabled while busy and replaced by a notice once sent: focus then goes to the notice, or back
  // to the button after a failure (its error is an alert, read out as it appears).
  const resentRef = useRef<HTMLDivElement>(null);
  const resendRef = useRef<HTMLButtonElement>(null);
  const resend = useAction(async () => {
    await authApi.resendVerification(email.trim());
    setResent(true);
  }, { focusAfter: [resentRef, resendRef] });

  const submit = () => {
    const errors =
      step === "password"
        ? compact({ email: validateEmail(email), password: validateRequired(password, "your password") })
        : compact({ code: useRecovery ? validateRequired(code, "a recovery code") : validateTotp(code) });
    setClientErrors(errors);
    if (!hasErrors(errors)) void login.run();
  };

  const fieldErrors = { ...serverFieldErrors(login.error), ...clientErrors };
  const codeError = fieldErrors.code ?? fieldErrors.totpCode ?? fieldErrors.recoveryCode;
  const notVerified = isApiError(login.error) && login.error.code === "email_not_verified";

  return (
    <Card title="Sign in" narrow>
      {query.get("reset") === "1" ? <Notice>Your password was changed. Sign in with the new one.</Notice> : null}
      {query.get("verified") === "1" ? <Notice>Your email is verified. You can sign in now.</Notice> : null}
      <ErrorMessage error={login.error} knownFields={["email", "password", "totpCode", "recoveryCode", "code"]} />
      {notVerified ? (
        <div className="actions">
          {resent ? <Notice tone="info" ref={resentRef}>If the account exists, a new verification link is on its way.</Notice> : (
            <button ref={resendRef} type="button" className="button" onClick={() => void resend.run()} disabled={resend.busy} aria-busy={resend.busy}>
              Send a new verification link
            </button>
          )}
          <ErrorMessage error={resend.error} />
        </div>
      ) : null}
      {step === "password" ? (
        <Form onSubmit={submit} label="Sign in" error={login.error}>
          <Field label="Email" name="email" type="email" autoComplete="username" value={email} onChange={setEmail} error={fieldErrors.email} required autoFocus />
          <Field label="Password" name="password" type="password" autoComplete="current-password" value={password} onChange={setPassword} error={fieldErrors.password} required />
          <SubmitButton busy={login.busy} busyLabel="Signing in...">Sign in</SubmitButton>
          <p className="muted">
            <Link to="/forgot-password">Forgot your password?</Link> · <Link to="/register">Create an account</Link>
          </p>
        </Form>
      ) : (
        <Form onSubmit={submit} label="Two-factor verification" error={login.error}>
          <Notice tone="info">
            {useRecovery ? "Enter one of your recovery codes." : "Enter the 6-digit code from your authenticator app."}
          </Notice>
          <Field
            key={useRecovery ? "recovery" : "totp"}
            label={useRecovery ? "Recovery code" : "Authentication code"}
            name={useRecovery ? "recoveryCode" : "totpCode"}
            inputMode={useRecovery ? "text" : "numeric"}
            autoComplete="one-time-code"
            value={code}
            onChange={setCode}
            error={codeError}
            required
            autoFocus
          />
          <SubmitButton busy={login.busy} busyLabel="Verifying...">Verify</SubmitButton>
          <div className="actions">
            <button type="button" className="button" onClick={() => { setUseRecovery(!useRecovery); setCode(""); setClientErrors({}); }}>
              {useRecovery ? "Use an authenticator code" : "Use a recovery code"}
            </button>
            <button type="button" className="button" onClick={() => { setStep("password"); setCode(""); login.setError(null); }}>
              Back
            </button>
          </div>
        </Form>
      )}
    </Card>
  );
}
