import { useState } from "react";
import { Field, compact, hasErrors, normalizeTotp, validateRequired, validateTotp, type FieldErrors } from "@kservices/shared";

// What a signed-in user proves before a grave change (turning two-factor off, deleting the account): the password and,
// with two-factor on, an authenticator code or one of the recovery codes (for the user who lost the authenticator).
export interface Proof {
  password: string;
  code?: string;
  recoveryCode?: string;
}

export function useIdentityProof(withCode: boolean) {
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [useRecovery, setUseRecovery] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  return {
    withCode,
    password,
    setPassword,
    code,
    setCode,
    useRecovery,
    errors,
    toggleRecovery: () => {
      setUseRecovery(!useRecovery);
      setCode("");
      setErrors({});
    },
    // The fields' own checks, shown under them: true when the request may be sent.
    check: (): boolean => {
      const found = compact({
        password: validateRequired(password, "your password"),
        code: !withCode ? undefined : useRecovery ? validateRequired(code, "a recovery code") : validateTotp(code),
      });
      setErrors(found);
      return !hasErrors(found);
    },
    // An authenticator code goes as ASCII digits, a recovery code as typed but trimmed.
    proof: (): Proof => {
      if (!withCode) return { password };
      return useRecovery ? { password, recoveryCode: code.trim() } : { password, code: normalizeTotp(code) };
    },
    reset: () => {
      setPassword("");
      setCode("");
      setUseRecovery(false);
    },
  };
}

export type IdentityProof = ReturnType<typeof useIdentityProof>;

// The password field, then (two-factor on) the authenticator or recovery code field.
export function ProofFields({ proof }: { proof: IdentityProof }) {
  return (
    <>
      <Field label="Password" name="password" type="password" autoComplete="current-password" value={proof.password} onChange={proof.setPassword} error={proof.errors.password} required />
      {proof.withCode ? (
        <Field
          key={proof.useRecovery ? "recovery" : "totp"}
          label={proof.useRecovery ? "Recovery code" : "Authentication code"}
          name="code"
          inputMode={proof.useRecovery ? "text" : "numeric"}
          autoComplete="one-time-code"
          value={proof.code}
          onChange={proof.setCode}
          error={proof.errors.code}
          hint={proof.useRecovery ? "One of the codes you saved when you turned two-factor on." : undefined}
          required
        />
      ) : null}
    </>
  );
}

// Switches the code field between the authenticator's code and a recovery code (two-factor on only).
export function RecoverySwitch({ proof }: { proof: IdentityProof }) {
  if (!proof.withCode) return null;
  return (
    <button type="button" className="button" onClick={proof.toggleRecovery}>
      {proof.useRecovery ? "Use an authenticator code" : "Lost your authenticator? Use a recovery code"}
    </button>
  );
}
