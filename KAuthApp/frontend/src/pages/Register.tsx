import { useRef, useState } from "react";
import {
  Card, ErrorMessage, Field, Form, Link, Notice, SubmitButton, compact, hasErrors, serverFieldErrors, useAction,
  validateEmail, validateNewPassword, type FieldErrors,
} from "@kservices/shared";
import { authApi } from "../api";

export function RegisterPage() {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [clientErrors, setClientErrors] = useState<FieldErrors>({});
  const [done, setDone] = useState(false);

  // The notice that replaces the form takes focus once the request has settled (the busy button lost it to <body>).
  const doneRef = useRef<HTMLDivElement>(null);
  const register = useAction(async () => {
    await authApi.register({ email: email.trim(), password, ...(displayName.trim() ? { displayName: displayName.trim() } : {}) });
    setDone(true);
  }, { focusAfter: [doneRef] });

  const submit = () => {
    const errors = compact({
      email: validateEmail(email),
      password: validateNewPassword(password, email),
      confirm: confirm === password ? undefined : "The passwords do not match.",
    });
    setClientErrors(errors);
    if (!hasErrors(errors)) void register.run();
  };

  if (done) {
    return (
      <Card title="Check your email" narrow>
        <Notice ref={doneRef}>
          We sent a verification link to <strong>{email.trim()}</strong>. Open it to activate your account, then sign in.
        </Notice>
        <p><Link to="/login">Go to sign in</Link></p>
      </Card>
    );
  }

  const fieldErrors = { ...serverFieldErrors(register.error), ...clientErrors };
  return (
    <Card title="Create an account" narrow>
      <ErrorMessage error={register.error} knownFields={["email", "password", "displayName"]} />
      <Form onSubmit={submit} label="Create an account" error={register.error}>
        <Field label="Email" name="email" type="email" autoComplete="email" value={email} onChange={setEmail} error={fieldErrors.email} required autoFocus />
        <Field label="Display name (optional)" name="displayName" autoComplete="name" value={displayName} onChange={setDisplayName} error={fieldErrors.displayName} />
        <Field label="Password" name="password" type="password" autoComplete="new-password" value={password} onChange={setPassword} error={fieldErrors.password} hint="8 to 128 characters; avoid common passwords." required />
        <Field label="Confirm password" name="confirm" type="password" autoComplete="new-password" value={confirm} onChange={setConfirm} error={fieldErrors.confirm} required />
        <SubmitButton busy={register.busy} busyLabel="Creating account...">Create account</SubmitButton>
        <p className="muted">Already registered? <Link to="/login">Sign in</Link></p>
      </Form>
    </Card>
  );
}
