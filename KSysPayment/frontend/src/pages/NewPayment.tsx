import { useState } from "react";
import { Card, ErrorMessage, Field, Form, Link, Notice, SelectField, SubmitButton, TextAreaField, compact, hasErrors, isApiError, serverFieldErrors, useAction, useLoad, useRouter, type FieldErrors } from "@kservices/shared";
import { newIdempotencyKey, paymentApi, tokens, type PaymentLimits, type PaymentMethod } from "../api";
import { hasUnanswered, recordOutcome, unansweredKey } from "../unansweredAttempts";

export const DESCRIPTION_MAX = 255; // CreatePaymentInput.description max_length on the server

// Whole rupiah: "150000" or Indonesian grouping "150.000"; decimals and other separators are refused.
export function parseRupiah(text: string): number | null {
  const cleaned = text.replace(/^Rp\.?/i, "").replace(/\s/g, "");
  if (!/^\d+$/.test(cleaned) && !/^\d{1,3}(\.\d{3})+$/.test(cleaned)) return null;
  const value = Number(cleaned.replace(/\./g, ""));
  return Number.isSafeInteger(value) ? value : null;
}

const rupiah = (value: number) => `Rp ${value.toLocaleString("id-ID")}`;

// Without the server's limits (still loading, or GET limits failed) only the format is checked here: the
// server's 422 amount_out_of_bounds, which names its min and max, then judges the range.
export function validateAmount(text: string, limits: PaymentLimits | null): string | undefined {
  if (!text.trim()) return "Enter an amount in rupiah.";
  const value = parseRupiah(text.trim());
  if (value === null) return "Enter whole rupiah only, without decimals (for example 150000).";
  if (limits && value < limits.minAmount) return `The minimum is ${rupiah(limits.minAmount)}.`;
  if (limits && value > limits.maxAmount) return `The maximum is ${rupiah(limits.maxAmount)}.`;
  return undefined;
}

// Whether the server may have stored the payment without the page learning the answer: no response at
// all, or a 5xx that names no attempt (the gateway's 502/504, a crash). The payment service's own failure
// names the attempt it stored as failed (paymentId); a 4xx stored nothing.
export function outcomeUnknown(error: unknown): boolean {
  if (!isApiError(error)) return true;
  if (error.code === "network_error") return true;
  return error.status >= 500 && !error.details.some((detail) => typeof detail.paymentId === "string");
}

// The signed-in user's id, which scopes the unanswered attempts (the page renders only when signed in).
const currentUser = () => tokens.getSubject() ?? "";

export function NewPaymentPage() {
  const { navigate } = useRouter();
  const [amount, setAmount] = useState("");
  const [method, setMethod] = useState<PaymentMethod>("briva");
  const [description, setDescription] = useState("");
  const [clientErrors, setClientErrors] = useState<FieldErrors>({});
  // null until the limits arrive, and for good when their request fails.
  const limits = useLoad(() => paymentApi.limits(), []).data;
  // A body sent before with an unknown outcome reuses its Idempotency-Key (the server then answers with the payment it
  // made, if any), even after the page was left (src/unansweredAttempts.ts); any other body gets a new key, and an
  // answer the server decided (a payment, a 4xx, a failure naming its paymentId) forgets that body's key.
  const [unanswered, setUnanswered] = useState(() => hasUnanswered(currentUser()));

  const create = useAction(async () => {
    const body = { amount: parseRupiah(amount.trim())!, method, description: description.trim() || null };
    const text = JSON.stringify(body);
    const user = currentUser();
    const key = unansweredKey(user, text) ?? newIdempotencyKey();
    try {
      const payment = await paymentApi.create(body, key);
      recordOutcome(user, text, key, true);
      navigate(`/payments/${payment.id}`);
    } catch (error) {
      recordOutcome(user, text, key, !outcomeUnknown(error));
      setUnanswered(hasUnanswered(user));
      throw error;
    }
  });

  const submit = () => {
    const errors = compact({
      amount: validateAmount(amount, limits),
      description: description.length > DESCRIPTION_MAX ? `Use at most ${DESCRIPTION_MAX} characters.` : undefined,
    });
    setClientErrors(errors);
    if (!hasErrors(errors)) void create.run();
  };

  const fieldErrors = { ...serverFieldErrors(create.error), ...clientErrors };
  return (
    <Card title="New payment" narrow>
      {unanswered ? (
        <Notice tone="warning">
          Your previous attempt may have gone through — check <Link to="/">My payments</Link> before trying again.
          Sending the same details again is safe; changed details make a new payment.
        </Notice>
      ) : null}
      <ErrorMessage error={create.error} knownFields={["amount", "method", "description"]} />
      <Form onSubmit={submit} label="New payment" error={create.error}>
        <Field label="Amount (Rp)" name="amount" inputMode="numeric" value={amount} onChange={setAmount} error={fieldErrors.amount} hint={limits ? `Whole rupiah from ${rupiah(limits.minAmount)} to ${rupiah(limits.maxAmount)}, for example 150000.` : "Whole rupiah, for example 150000."} required autoFocus />
        <SelectField
          label="Method"
          name="method"
          value={method}
          onChange={(value) => setMethod(value as PaymentMethod)}
          options={[
            { value: "briva", label: "BRIVA (BRI virtual account)" },
            { value: "qris", label: "QRIS" },
          ]}
          error={fieldErrors.method}
        />
        <TextAreaField label="Description (optional)" name="description" value={description} onChange={setDescription} error={fieldErrors.description} maxLength={DESCRIPTION_MAX} />
        <SubmitButton busy={create.busy} busyLabel="Creating payment...">Create payment</SubmitButton>
      </Form>
    </Card>
  );
}
