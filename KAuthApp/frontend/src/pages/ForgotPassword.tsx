import { useState } from "react";
import { Card, ErrorMessage, Field, Form, Link, Notice, SubmitButton, compact, hasErrors, serverFieldErrors, useAction, validateEmail, type FieldErrors } from "@kservices/shared";
import { authApi } from "../api";

export function ForgotPasswordPage() {
  const [email, setEmail] = useState("");
  const [clientErrors, setClientErrors] = useState<FieldErrors>({});
  const [sent, setSent] = useState(false);
  const forgot = useAction(async () => {
    await authApi.forgotPassword(email.trim());
    setSent(true);
  });
  const fieldErrors = { ...serverFieldErrors(forgot.error), ...clientErrors };
  return (
    <Card title="Reset your password" narrow>
      {sent ? (
        <Notice>If an account exists for {email.trim()}, we sent a link to reset the password. It is valid for one hour.</Notice>
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
