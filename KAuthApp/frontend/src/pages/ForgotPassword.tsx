import { useRef, useState } from "react";
import { Card, ErrorMessage, Field, Form, Link, Notice, SubmitButton, compact, hasErrors, serverFieldErrors, useAction, validateEmail, type FieldErrors } from "@kservices/shared";
import { authApi } from "../api";

export function ForgotPasswordPage() {
  const [email, setEmail] = useState("");
  const [clientErrors, setClientErrors] = useState<FieldErrors>({});
  const [sent, setSent] = useState(false);
  // The notice that replaces the form takes focus once the request has settled (the busy button lost it to <body>).
  const sentRef = useRef<HTMLDivElement>(null);
  const forgot = useAction(async () => {
    await authApi.forgotPassword(email.trim());
    setSent(true);
  }, { focusAfter: [sentRef] });
  const fieldErrors = { ...serverFieldErrors(forgot.error), ...clientErrors };
  return (
    <Card title="Reset your password" narrow>
      {sent ? (
        <Notice ref={sentRef}>If an account exists for {email.trim()}, we sent a link to reset the password. It is valid for one hour.</Notice>
      ) : (
        <Form onSubmit={() => { const e = compact({ email: validateEmail(email) }); setClientErrors(e); if (!hasErrors(e)) void forgot.run(); }} label="Forgot password" error={forgot.error}>
          <ErrorMessage error={forgot.error} knownFields={["email"]} />
          <Field label="Email" name="email" type="email" autoComplete="email" value={email} onChange={setEmail} error={fieldErrors.email} required autoFocus />
          <SubmitButton busy={forgot.busy}>Send reset link</SubmitButton>
        </Form>
      )}
      <p className="muted"><Link to="/login">Back to sign in</Link></p>
    </Card>
  );
}
