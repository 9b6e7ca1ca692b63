import { useRef, useState } from "react";
import { Card, ConfirmButton, ErrorMessage, Link, Notice, QrImage, Spinner, devToolsEnabled, formatCountdown, formatDateTime, formatRupiah, isApiError, isTransient, useAction, useLoad, useServerNow } from "@kservices/shared";
import { FINAL_STATUSES, paymentApi, type Payment } from "../api";
import { usePolling } from "../polling";
import { StatusBadge, failureText, methodLabel } from "../status";

export const POLL_INTERVAL_MS = 2000;

export function PaymentDetailPage({ id }: { id: string }) {
  const payment = useLoad(() => paymentApi.get(id), [id]);
  const [pollError, setPollError] = useState<unknown>(null);
  // The server decides when a payment expires: the countdown runs on its clock, not the browser's.
  const now = useServerNow(1000);
  const data = payment.data;
  const final = data ? FINAL_STATUSES.includes(data.status) : false;

  // The cancel button is disabled while busy and gone once cancelled: focus then goes to the heading.
  const headingRef = useRef<HTMLHeadingElement>(null);
  const cancel = useAction(async () => {
    payment.setData(await paymentApi.cancel(id));
  }, { focusAfter: [headingRef] });
  // The simulate button is disabled while busy, and gone with the pending section once the answer shows the payment paid:
  // focus then goes to the notice that answers it, or back to the button after a failure (its error is an alert).
  const [simulated, setSimulated] = useState(false);
  const paidRef = useRef<HTMLDivElement>(null);
  const simulatedRef = useRef<HTMLDivElement>(null);
  const simulateMissingRef = useRef<HTMLDivElement>(null);
  const simulateRef = useRef<HTMLButtonElement>(null);
  const simulate = useAction(async () => {
    payment.setData(await paymentApi.simulate(id));
    setSimulated(true);
  }, { focusAfter: [paidRef, simulatedRef, simulateMissingRef, simulateRef, headingRef] });

  // A poll that ends the payment takes the pending section off the page. Focus inside it, or on <body> because a busy
  // button there was disabled, goes to what announces the new state; focus elsewhere stays.
  const pendingRef = useRef<HTMLDivElement>(null);
  const failedRef = useRef<HTMLDivElement>(null);
  const statusRef = useRef<HTMLParagraphElement>(null);
  const settle = useAction(async (fresh: Payment) => payment.setData(fresh), { focusAfter: [paidRef, failedRef, statusRef] });
  const focusInPending = () => {
    const active = document.activeElement;
    const lost = active === null || active === document.body || active.id === "main";
    return Boolean(pendingRef.current?.contains(active)) || (lost && (cancel.busy || simulate.busy));
  };

  // Live status: poll until the payment reaches a final state.
  usePolling({
    load: () => paymentApi.get(id),
    onData: (fresh) => {
      setPollError(null);
      if (fresh.status !== "pending" && focusInPending()) void settle.run(fresh);
      else payment.setData(fresh);
    },
    onError: setPollError,
    enabled: data !== null && !final,
    intervalMs: POLL_INTERVAL_MS,
  });

  if (payment.loading && !data) return <Spinner label="Loading payment..." />;
  if (payment.error && !data) return <Card title="Payment"><ErrorMessage error={payment.error} overrides={{ not_found: "This payment does not exist or is not yours." }} onRetry={isTransient(payment.error) ? payment.reload : undefined} /></Card>;
  if (!data) return null;

  const expiresAt = data.expiresAt ? Date.parse(data.expiresAt) : null;
  const msLeft = expiresAt !== null ? expiresAt - now : null;
  // Past its expiry a payment stays pending until reconciliation marks it expired, and BRI may still take it (a QRIS
  // has no expiry there): the page then stops showing how to pay, since a late payment needs a manual refund.
  const windowEnded = data.status === "pending" && msLeft !== null && msLeft <= 0;
  const simulateMissing = isApiError(simulate.error) && simulate.error.status === 404;

  return (
    <Card title="Payment" headingRef={headingRef}>
      <p ref={statusRef} tabIndex={-1} aria-live="polite">
        Status: <StatusBadge status={data.status} />
      </p>
      {data.status === "paid" ? <Notice ref={paidRef}>Payment received{data.paidAt ? ` on ${formatDateTime(data.paidAt)}` : ""}. Thank you.</Notice> : null}
      {data.status === "failed" ? <Notice tone="warning" ref={failedRef}>{failureText(data.failureReason)}</Notice> : null}
      <dl className="details">
        <dt>Amount</dt><dd data-testid="amount">{formatRupiah(data.amount)}</dd>
        <dt>Method</dt><dd>{methodLabel(data.method)}</dd>
        {data.description ? (<><dt>Description</dt><dd>{data.description}</dd></>) : null}
        {data.virtualAccountNumber && !windowEnded ? (<><dt>Virtual account</dt><dd className="mono">{data.virtualAccountNumber}</dd></>) : null}
        <dt>Created</dt><dd>{formatDateTime(data.createdAt)}</dd>
        <dt>Reference</dt><dd className="mono">{data.id}</dd>
      </dl>

      {data.status === "pending" ? (
        <div ref={pendingRef}>
          {windowEnded ? (
            <Notice tone="warning">Do not pay: this payment has expired ({formatDateTime(data.expiresAt)}). A payment made before then still shows here once the bank confirms it.</Notice>
          ) : (
            <>
              {data.method === "briva" && data.virtualAccountNumber ? (
                <>
                  <h2>Transfer to this BRI virtual account</h2>
                  <p className="big-number" data-testid="va-number">{data.virtualAccountNumber}</p>
                  <p className="muted">Pay exactly {formatRupiah(data.amount)} from BRImo, an ATM or internet banking.</p>
                </>
              ) : null}
              {data.method === "qris" && data.qrContent ? (
                <>
                  <h2>Scan with any QRIS app</h2>
                  <QrImage value={data.qrContent} label={`QRIS code for ${formatRupiah(data.amount)}`} size={260} />
                </>
              ) : null}
              {msLeft !== null ? (
                <p>Expires in <strong data-testid="countdown" role="timer">{formatCountdown(msLeft)}</strong> ({formatDateTime(data.expiresAt)})</p>
              ) : null}
            </>
          )}
          {pollError ? <ErrorMessage error={pollError} /> : <p className="muted">This page updates by itself when the payment arrives.</p>}
          <ErrorMessage error={cancel.error} overrides={{ conflict: "This payment can no longer be cancelled.", invalid_payment_state: "This payment can no longer be cancelled.", payment_already_paid: "BRI has already received this payment, so it was not cancelled." }} />
          <div className="actions">
            <ConfirmButton className="button button-danger" disabled={cancel.busy} aria-busy={cancel.busy} title="Cancel this payment?" message={`The payment of ${formatRupiah(data.amount)} will be cancelled. Do not pay it afterwards.`} confirmLabel="Cancel payment" cancelLabel="Keep payment" destructive onConfirm={() => void cancel.run()}>
              Cancel payment
            </ConfirmButton>
            {devToolsEnabled() ? (
              <button ref={simulateRef} type="button" className="button" onClick={() => void simulate.run()} disabled={simulate.busy} aria-busy={simulate.busy}>
                Simulate customer payment (development)
              </button>
            ) : null}
          </div>
          {simulated && !simulate.error ? <Notice tone="info" ref={simulatedRef}>Simulated payment sent; the status updates when the notification lands.</Notice> : null}
          {simulateMissing ? (
            <Notice tone="warning" ref={simulateMissingRef}>The payment simulator is not available on this server (the dev-only endpoint answered 404). It only exists in development.</Notice>
          ) : (
            <ErrorMessage error={simulate.error} />
          )}
        </div>
      ) : null}
      <p><Link to="/">Back to my payments</Link> · <Link to="/new">New payment</Link></p>
    </Card>
  );
}

export type { Payment };
