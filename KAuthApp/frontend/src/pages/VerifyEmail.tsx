import { useCallback, useEffect, useRef, useState } from "react";
import { Card, ErrorMessage, Field, Form, Link, Notice, Spinner, SubmitButton, compact, hasErrors, isTransient, useAction, useQuerySecret, validateEmail, type FieldErrors } from "@kservices/shared";
import { authApi } from "../api";

const LINK_INVALID = "This verification link is invalid, already used or expired. Ask for a new one below.";
// validation_failed: the server refused the token itself (too long, a NUL: a mangled link); the page has no token field.
const OVERRIDES = { token_invalid_or_used: LINK_INVALID, invalid_token: LINK_INVALID, bad_request: LINK_INVALID, validation_failed: LINK_INVALID };

export function VerifyEmailPage() {
  const token = useQuerySecret("token");
  const [state, setState] = useState<"working" | "done" | "failed">(token ? "working" : "failed");
  const [error, setError] = useState<unknown>(null);
  const started = useRef(false);

  // Sends the token held in memory (it left the address bar when the page opened, so a reload loses it).
  const verify = useCallback(async () => {
    setState("working");
    setError(null);
    try {
      await authApi.verifyEmail(token);
      setState("done");
    } catch (caught) {
      setError(caught);
      setState("failed");
    }
  }, [token]);

  useEffect(() => {
    if (!token || started.current) return;
    started.current = true;
    void verify();
  }, [token, verify]);

  // After no answer, a 429 or a 5xx the same token is sent again; its button goes while it runs, so focus then goes to
  // the notice that the address is verified, else to the heading (the error is announced).
  const doneRef = useRef<HTMLDivElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const retry = useAction(verify, { focusAfter: [doneRef, headingRef] });

  return (
    <Card title="Verify your email" narrow headingRef={headingRef}>
      {state === "working" ? <Spinner label="Verifying your email..." /> : null}
      {state === "done" ? (
        <>
          <Notice ref={doneRef}>Your email address is verified.</Notice>
          <p><Link to="/login?verified=1">Sign in</Link></p>
        </>
      ) : null}
      {state === "failed" ? (
        <>
          {token ? <ErrorMessage error={error} overrides={OVERRIDES} knownFields={["token"]} onRetry={isTransient(error) ? () => void retry.run() : undefined} /> : <Notice tone="warning">This page holds no verification token: it leaves the address bar when the page opens, so a reload loses it. Open the link in your email again, or ask for a new one below.</Notice>}
          <ResendForm />
        </>
      ) : null}
    </Card>
  );
}

function ResendForm() {
  const [email, setEmail] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [sent, setSent] = useState(false);
  // A sent link replaces the form with a notice, which then takes focus (the Form focuses the error of a failed request).
  const sentRef = useRef<HTMLDivElement>(null);
  const resend = useAction(async () => {
    await authApi.resendVerification(email.trim());
    setSent(true);
  }, { focusAfter: [sentRef] });
  if (sent) return <Notice tone="info" ref={sentRef}>If the account exists and is not verified yet, a new link is on its way.</Notice>;
  return (
    <Form onSubmit={() => { const e = compact({ email: validateEmail(email) }); setErrors(e); if (!hasErrors(e)) void resend.run(); }} label="Send a new verification link" error={resend.error}>
      <ErrorMessage error={resend.error} />
      <Field label="Email" name="email" type="email" autoComplete="email" value={email} onChange={setEmail} error={errors.email} />
      <SubmitButton busy={resend.busy}>Send a new link</SubmitButton>
    </Form>
  );
}
