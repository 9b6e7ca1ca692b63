import { useRef, useState } from "react";
import { Card, ErrorMessage, Field, Form, Notice, QrImage, Spinner, SubmitButton, compact, hasErrors, normalizeTotp, useAction, useLoad, validateRequired, validateTotp, type FieldErrors } from "@kservices/shared";
import { authApi } from "../api";
import { ProofFields, RecoverySwitch, useIdentityProof } from "../identityProof";
import { RecoveryCodes } from "./RecoveryCodes";

function secretOf(uri: string): string | null {
  try {
    return new URL(uri).searchParams.get("secret");
  } catch {
    return null;
  }
}

export function MfaPage() {
  const me = useLoad(() => authApi.me(), []);
  const [setup, setSetup] = useState<{ provisioningUri: string; secret?: string } | null>(null);
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const [code, setCode] = useState("");
  const [password, setPassword] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  // "Turned off" is said after this page turned it off, until a new setup; which form shows follows mfaEnabled.
  const [turnedOff, setTurnedOff] = useState(false);
  // Disable takes the password and a code (the authenticator's, or a recovery code for the user who lost it).
  const proof = useIdentityProof(true);

  // The server's state as the action left it, at once, then read again from the server.
  const mfaChanged = (mfaEnabled: boolean) => {
    if (me.data) me.setData({ ...me.data, mfaEnabled });
    me.reload();
  };
  const start = useAction(async () => {
    setSetup(await authApi.mfaSetup(password));
    setPassword("");
    setTurnedOff(false);
  });
  const enable = useAction(async () => {
    const result = await authApi.mfaEnable(normalizeTotp(code));
    setRecoveryCodes(result.recoveryCodes);
    setSetup(null);
    setCode("");
    mfaChanged(true);
  });
  // The disable form goes once MFA is off: focus goes to the notice saying so, not to <body>.
  const turnedOffRef = useRef<HTMLDivElement>(null);
  const disable = useAction(async () => {
    await authApi.mfaDisable(proof.proof());
    setTurnedOff(true);
    proof.reset();
    mfaChanged(false);
  }, { focusAfter: [turnedOffRef] });
  // "I saved them" takes the codes and their buttons away: focus goes to the notice that two-factor is on (else to the
  // heading of what shows instead), not to <body>.
  const enabledRef = useRef<HTMLDivElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const codesSaved = useAction(async () => setRecoveryCodes(null), { focusAfter: [enabledRef, headingRef] });

  // The codes first: a failed reload of the account must not hide them.
  if (recoveryCodes) return <RecoveryCodes codes={recoveryCodes} onSaved={() => void codesSaved.run()} />;
  if (me.loading && !me.data) return <Spinner />;
  if (me.error) return <Card title="Two-factor authentication" narrow headingRef={headingRef}><ErrorMessage error={me.error} lead="Your account could not be loaded." onRetry={me.reload} /></Card>;

  if (me.data?.mfaEnabled) {
    return (
      <Card title="Two-factor authentication" narrow headingRef={headingRef}>
        <Notice ref={enabledRef}>Two-factor authentication is enabled on your account.</Notice>
        <h2>Turn it off</h2>
        <ErrorMessage error={disable.error} />
        <Form
          onSubmit={() => {
            if (proof.check()) void disable.run();
          }}
          label="Disable two-factor authentication"
          error={disable.error}
        >
          <ProofFields proof={proof} />
          <SubmitButton busy={disable.busy} className="button button-danger">Disable two-factor</SubmitButton>
          <RecoverySwitch proof={proof} />
        </Form>
      </Card>
    );
  }

  return (
    <Card title="Two-factor authentication" narrow headingRef={headingRef}>
      {turnedOff ? <Notice ref={turnedOffRef}>Two-factor authentication was turned off.</Notice> : null}
      {!setup ? (
        <>
          <p>Protect your account with a time-based code from an authenticator app.</p>
          <ErrorMessage error={start.error} />
          <Form
            onSubmit={() => {
              const e = compact({ password: validateRequired(password, "your password") });
              setErrors(e);
              if (!hasErrors(e)) void start.run();
            }}
            label="Set up two-factor authentication"
            error={start.error}
          >
            <Field label="Password" name="password" type="password" autoComplete="current-password" value={password} onChange={setPassword} error={errors.password} hint="Confirm it is you before an authenticator is added." required />
            <SubmitButton busy={start.busy}>Set up two-factor authentication</SubmitButton>
          </Form>
        </>
      ) : (
        <>
          <p>Scan this QR code with your authenticator app, then enter the 6-digit code it shows.</p>
          <QrImage value={setup.provisioningUri} label="QR code for your authenticator app" />
          <p>
            Cannot scan? Enter this key: <span className="mono" data-testid="totp-secret">{setup.secret ?? secretOf(setup.provisioningUri) ?? "-"}</span>
          </p>
          <ErrorMessage error={enable.error} />
          <Form
            onSubmit={() => {
              const e = compact({ code: validateTotp(code) });
              setErrors(e);
              if (!hasErrors(e)) void enable.run();
            }}
            label="Enable two-factor authentication"
            error={enable.error}
          >
            <Field label="Authentication code" name="code" inputMode="numeric" autoComplete="one-time-code" value={code} onChange={setCode} error={errors.code} required autoFocus />
            <SubmitButton busy={enable.busy}>Enable</SubmitButton>
          </Form>
        </>
      )}
    </Card>
  );
}
