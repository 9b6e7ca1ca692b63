import { useRef, useState } from "react";
import { Card, ErrorMessage, Field, Form, Notice, SubmitButton, compact, hasErrors, serverFieldErrors, useAction, validateNewPassword, validateRequired, type FieldErrors } from "@kservices/shared";
import { authApi } from "../api";

export function ChangePasswordPage() {
  const [currentPassword, setCurrent] = useState("");
  const [newPassword, setNew] = useState("");
  const [confirm, setConfirm] = useState("");
  const [clientErrors, setClientErrors] = useState<FieldErrors>({});
  const [done, setDone] = useState(false);
  // The busy button lost focus to <body>: once changed, focus goes to the notice saying so.
  const doneRef = useRef<HTMLDivElement>(null);
  const change = useAction(async () => {
    await authApi.changePassword({ currentPassword, newPassword });
    setDone(true);
    setCurrent("");
    setNew("");
    setConfirm("");
  }, { focusAfter: [doneRef] });
  const fieldErrors = { ...serverFieldErrors(change.error), ...clientErrors };
  return (
    <Card title="Change password" narrow>
      {done ? <Notice ref={doneRef}>Your password was changed. Your other sessions were signed out.</Notice> : null}
      <ErrorMessage error={change.error} overrides={{ invalid_credentials: "The current password is incorrect.", invalid_password: "The current password is incorrect." }} knownFields={["currentPassword", "newPassword"]} />
      <Form
        onSubmit={() => {
          setDone(false);
          const e = compact({
            currentPassword: validateRequired(currentPassword, "your current password"),
            newPassword: validateNewPassword(newPassword) ?? (newPassword === currentPassword ? "Choose a password different from the current one." : undefined),
            confirm: confirm === newPassword ? undefined : "The passwords do not match.",
          });
          setClientErrors(e);
          if (!hasErrors(e)) void change.run();
        }}
        label="Change password"
        error={change.error}
      >
        <Field label="Current password" name="currentPassword" type="password" autoComplete="current-password" value={currentPassword} onChange={setCurrent} error={fieldErrors.currentPassword} required />
        <Field label="New password" name="newPassword" type="password" autoComplete="new-password" value={newPassword} onChange={setNew} error={fieldErrors.newPassword} hint="8 to 128 characters." required />
        <Field label="Confirm new password" name="confirm" type="password" autoComplete="new-password" value={confirm} onChange={setConfirm} error={fieldErrors.confirm} required />
        <SubmitButton busy={change.busy}>Change password</SubmitButton>
      </Form>
    </Card>
  );
}
