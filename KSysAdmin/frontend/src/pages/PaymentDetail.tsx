import { useRef, useState } from "react";
import { Card, ErrorMessage, Link, Notice, Spinner, TableWrap, formatDateTime, formatRupiah, isApiError, isTransient, useAction, useLoad } from "@kservices/shared";
import { adminApi, tokens } from "../api";
import { FlagStatus, ResolveFlagButton, flagIsOpen } from "../paymentFlag";
import { FlagHistory, ResolvedBeforeWarning, useFlagHistory } from "../flagHistory";

// The resolve call's refusals that mean the page shows an old payment: it is reloaded and the admin told why.
const STALE: Record<string, string> = {
  payment_changed: "This payment changed since the page loaded (a new flag may have arrived). It has been reloaded: review it before resolving.",
  flag_not_open: "This flag was already resolved. The payment has been reloaded.",
};

// The API refuses an admin's resolve of a flag on their own payment (409 cannot_target_self).
const OWN_PAYMENT = "This is your own payment: another admin has to resolve its flag.";

export function PaymentDetailPage({ id }: { id: string }) {
  const payment = useLoad(() => adminApi.payment(id), [id]);
  const history = useFlagHistory(id, Boolean(payment.data?.flaggedReason));
  const [notice, setNotice] = useState<string | null>(null);
  // The resolve button is gone after a resolution: focus goes to the notice, else the heading.
  const noticeRef = useRef<HTMLDivElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const resolve = useAction(async (resolution: string, updatedAt: string) => {
    setNotice(null);
    try {
      payment.setData(await adminApi.resolveFlag(id, { resolution, updatedAt }));
      setNotice("Flag resolved.");
      history.reload();
    } catch (caught) {
      if (isApiError(caught) && Object.hasOwn(STALE, caught.code)) {
        payment.reload();
        history.reload();
      }
      throw caught;
    }
  }, { focusAfter: [noticeRef, headingRef] });
  if (payment.loading && !payment.data) return <Spinner />;
  if (payment.error && !payment.data) return <Card title="Payment"><ErrorMessage error={payment.error} overrides={{ payment_not_found: "No payment with this id." }} onRetry={isTransient(payment.error) ? payment.reload : undefined} /></Card>;
  const p = payment.data!;
  // The signed-in admin's id is their token's subject.
  const own = tokens.getSubject() === p.userId;
  return (
    <>
      <Card title="Payment" headingRef={headingRef}>
        {notice ? <Notice ref={noticeRef}>{notice}</Notice> : null}
        <ErrorMessage error={resolve.error} overrides={{ ...STALE, payment_not_found: "This payment no longer exists.", cannot_target_self: OWN_PAYMENT }} />
        <ErrorMessage error={payment.error} lead="Reloading the payment failed:" />
        <FlagStatus payment={p} />
        {flagIsOpen(p) ? (
          <>
            <ResolvedBeforeWarning history={history} />
            {own ? <p className="muted">{OWN_PAYMENT}</p> : (
              <div className="actions">
                {/* A new flag (or any change) remounts the dialog: a note written for the old flag is not carried over. */}
                <ResolveFlagButton key={`${p.flaggedReason}|${p.updatedAt}`} reason={p.flaggedReason!} disabled={resolve.busy || payment.loading} busy={resolve.busy} onResolve={(resolution) => void resolve.run(resolution, p.updatedAt)} />
              </div>
            )}
          </>
        ) : null}
        <dl className="details">
          <dt>Status</dt><dd><span className={`badge badge-${p.status}`}>{p.status}</span></dd>
          <dt>Amount</dt><dd>{formatRupiah(p.amount)}</dd>
          <dt>Method</dt><dd>{p.method}</dd>
          <dt>User</dt><dd><Link to={`/users/${p.userId}`}>{p.userId}</Link></dd>
          {p.description ? (<><dt>Description</dt><dd>{p.description}</dd></>) : null}
          {p.virtualAccountNo ? (<><dt>Virtual account</dt><dd className="mono">{p.virtualAccountNo}</dd></>) : null}
          {p.partnerReferenceNo ? (<><dt>Our reference</dt><dd className="mono">{p.partnerReferenceNo}</dd></>) : null}
          {p.briReferenceNo ? (<><dt>BRI reference</dt><dd className="mono">{p.briReferenceNo}</dd></>) : null}
          <dt>Created</dt><dd>{formatDateTime(p.createdAt)}</dd>
          <dt>Expires</dt><dd>{formatDateTime(p.expiresAt ?? null)}</dd>
          <dt>Paid</dt><dd>{formatDateTime(p.paidAt ?? null)}</dd>
          {p.failureReason ? (<><dt>Failure</dt><dd>{p.failureReason}</dd></>) : null}
          <dt>Id</dt><dd className="mono">{p.id}</dd>
        </dl>
      </Card>
      {p.flaggedReason ? <FlagHistory paymentId={p.id} history={history} /> : null}
      <Card title="Events" subsection>
        {p.events.length === 0 ? <p className="muted">No notifications received.</p> : (
          <TableWrap label="Events"><table>
            <thead><tr><th scope="col">Received</th><th scope="col">Kind</th><th scope="col">Outcome</th><th scope="col">Signature</th><th scope="col">Dedupe key</th><th scope="col">Raw</th></tr></thead>
            <tbody>{p.events.map((e) => (
              <tr key={e.id}>
                <td>{formatDateTime(e.receivedAt)}</td>
                <td>{e.kind}</td>
                <td>{e.outcome}</td>
                <td>{e.signatureValid ? "valid" : <span className="badge badge-failed">invalid</span>}</td>
                <td className="mono">{e.dedupeKey}</td>
                <td><details><summary>JSON</summary><pre className="mono">{JSON.stringify(e.raw, null, 2)}</pre></details></td>
              </tr>
            ))}</tbody>
          </table></TableWrap>
        )}
        <p><Link to="/payments">Back to payments</Link></p>
      </Card>
    </>
  );
}
