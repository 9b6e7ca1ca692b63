import { useState } from "react";
import { Card, ErrorMessage, Field, Form, Link, Notice, SubmitButton, compact, hasErrors, serverFieldErrors, useAction, useQuerySecret, useRouter, validateNewPassword, type FieldErrors } from "@kservices/shared";
import { authApi, tokens } from "../api";

const LINK_INVALID = "This reset link is invalid, already used or expired. Ask for a new one.";
const OVERRIDES = { token_invalid_or_used: LINK_INVALID, invalid_token: LINK_INVALID, bad_request: LINK_INVALID };
// A 422 on the token (too long, a NUL: a mangled link) names no field on the page: it is the link that is wrong.
const TOKEN_REFUSED = { ...OVERRIDES, validation_failed: LINK_INVALID };

export function ResetPasswordPage() {
  const { navigate } = useRouter();
  const token = useQuerySecret("token");
  const [newPassword, setNewPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [clientErrors, setClientErrors] = useState<FieldErrors>({});
  const reset = useAction(async () => {
    await authApi.resetPassword({ token, newPassword });
    tokens.clear();
    navigate("/login?reset=1", { replace: true });
  });
  if (!token) {
    return (
      <Card title="Choose a new password" narrow>
        <Notice tone="warning">This page holds no reset token: it leaves the address bar when the page opens, so a reload loses it. Open the link in your email again, or <Link to="/forgot-password">ask for a new reset link</Link>.</Notice>
      </Card>
    );
  }
  const fieldErrors = { ...serverFieldErrors(reset.error), ...clientErrors };
  const overrides = serverFieldErrors(reset.error).token ? TOKEN_REFUSED : OVERRIDES;
  return (
    <Card title="Choose a new password" narrow>
      <ErrorMessage error={reset.error} overrides={overrides} knownFields={["newPassword", "token"]} />
      <Form
        onSubmit={() => {
          const e = compact({ newPassword: validateNewPassword(newPassword), confirm: confirm === newPassword ? undefined : "The passwords do not match." });
          setClientErrors(e);
          if (!hasErrors(e)) void reset.run();
        }}
        label="Reset password"
        error={reset.error}
      >
        <Field label="New password" name="newPassword" type="password" autoComplete="new-password" value={newPassword} onChange={setNewPassword} error={fieldErrors.newPassword} hint="8 to 128 characters." required autoFocus />
        <Field label="Confirm new password" name="confirm" type="password" autoComplete="new-password" value={confirm} onChange={setConfirm} error={fieldErrors.confirm} required />
        <SubmitButton busy={reset.busy}>Set new password</SubmitButton>
      </Form>
    </Card>
  );
}
