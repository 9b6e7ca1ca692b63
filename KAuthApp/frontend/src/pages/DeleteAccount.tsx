import { useState } from "react";
import { Card, ConfirmDialog, ErrorMessage, Form, Link, SubmitButton, isApiError, useAction, useRouter } from "@kservices/shared";
import { authApi, tokens } from "../api";
import { ProofFields, RecoverySwitch, useIdentityProof } from "../identityProof";

// The profile's last section: the password (and the code with two-factor on), then a confirmation, then
// POST me/delete. Once deleted the server has ended every session and cleared the cookie.
export function DeleteAccount({ mfaEnabled }: { mfaEnabled: boolean }) {
  const { navigate } = useRouter();
  const proof = useIdentityProof(mfaEnabled);
  const [confirming, setConfirming] = useState(false);
  const remove = useAction(async () => {
    await authApi.deleteAccount(proof.proof());
    // Drops the access token here and signs the other tabs out, as a sign-out does; this tab says the account is gone.
    tokens.endSession();
    navigate("/account-deleted", { replace: true });
  });
  const pendingPayments = isApiError(remove.error) && remove.error.code === "payments_pending";
  return (
    <Card title="Delete account" subsection>
      <p>
        Deleting your account erases your email, name and phone number, and you can no longer sign in. Your payment
        records and the security log are kept. To keep a copy of your data, download it above first.
      </p>
      <ErrorMessage error={remove.error} />
      {pendingPayments ? <p><Link to="/payment/">Go to your payments</Link></p> : null}
      <Form
        onSubmit={() => {
          if (proof.check()) setConfirming(true);
        }}
        label="Delete account"
        error={remove.error}
      >
        <ProofFields proof={proof} />
        <SubmitButton busy={remove.busy} className="button button-danger">Delete account</SubmitButton>
        <RecoverySwitch proof={proof} />
      </Form>
      {confirming ? (
        <ConfirmDialog
          title="Delete your account for good?"
          message="This cannot be undone: your email, name and phone number are erased and you are signed out everywhere."
          confirmLabel="Delete my account for good"
          cancelLabel="Keep my account"
          destructive
          onConfirm={() => {
            setConfirming(false);
            void remove.run();
          }}
          onCancel={() => setConfirming(false)}
        />
      ) : null}
    </Card>
  );
}

// Where this tab lands once its account is deleted: signed out, nothing of the account left to show.
export function AccountDeletedPage() {
  return (
    <Card title="Your account has been deleted" narrow>
      <p>You have been signed out on every device. Your email, name and phone number were erased.</p>
      <p><Link to="/register">Create a new account</Link></p>
    </Card>
  );
}
