import { Card, ErrorMessage, Link, Spinner, formatDateTime, useLoad, type Page } from "@kservices/shared";
import { adminApi, type AuditEntry } from "./api";

// A payment's flag history from the audit log: KSysPayment's `payment.flagged` entries and the admins'
// `payment.flag_resolved` ones. A new flag clears the payment's resolution columns, so only this history tells
// the next admin that an earlier flag was already handled (a refund made). One page, newest first as the API
// answers; the action filter takes one action, so the page is read unfiltered and the flag entries kept.
const HISTORY_LIMIT = 50;

export interface FlagEntry {
  id: string;
  at: string;
  kind: "flagged" | "resolved";
  // The flag's reason when flagged, the admin's note when resolved.
  text: string;
  adminId: string | null;
}

// Details are read as the error details are: no key is trusted.
function detail(entry: AuditEntry, key: string): string {
  const details = entry.details;
  if (typeof details !== "object" || details === null) return "";
  const value = (details as Record<string, unknown>)[key];
  return typeof value === "string" ? value : "";
}

// Refused resolutions are audited under the same action with outcome failure: only successful ones count.
// Flags are audited with outcome failure (the payment needs a person), so their outcome is not checked.
function flagEntry(entry: AuditEntry): FlagEntry | null {
  if (entry.action === "payment.flagged") return { id: entry.id, at: entry.createdAt, kind: "flagged", text: detail(entry, "reason"), adminId: null };
  if (entry.action === "payment.flag_resolved" && entry.outcome === "success") {
    return { id: entry.id, at: entry.createdAt, kind: "resolved", text: detail(entry, "resolution"), adminId: entry.actorId };
  }
  return null;
}

export const flagEntries = (page: Page<AuditEntry>) => page.items.map(flagEntry).filter((entry): entry is FlagEntry => entry !== null);

// Loads nothing until the payment is known to have (or have had: a reason is never cleared) a flag.
export function useFlagHistory(paymentId: string, flagged: boolean) {
  return useLoad(
    () => (flagged ? adminApi.auditLogs({ targetType: "payment", targetId: paymentId, limit: HISTORY_LIMIT }) : Promise.resolve(null)),
    [paymentId, flagged],
  );
}

const AdminLink = ({ id }: { id: string | null }) => (id ? <Link to={`/users/${id}`} className="mono">{id}</Link> : <>an unknown admin</>);

// Next to the Resolve button of an open flag: an earlier flag was resolved, maybe by a refund already made.
export function ResolvedBeforeWarning({ entries }: { entries: FlagEntry[] }) {
  const last = entries.find((entry) => entry.kind === "resolved");
  if (!last) return null;
  return (
    <div className="alert alert-warning" data-testid="resolved-before">
      This payment's flag was resolved before (by <AdminLink id={last.adminId} /> at {formatDateTime(last.at)}: {last.text}).
      Check it is not handled twice: see the flag history below.
    </div>
  );
}

export function FlagHistory({ paymentId, history }: { paymentId: string; history: ReturnType<typeof useFlagHistory> }) {
  const page = history.data;
  const entries = page ? flagEntries(page) : [];
  return (
    <Card title="Flag history">
      <p className="muted">From the audit log, newest first.</p>
      <ErrorMessage error={history.error} lead="Loading the flag history failed:" />
      {history.loading && !page ? <Spinner /> : null}
      {page && entries.length === 0 ? <p className="muted">No flag entries in the audit log.</p> : null}
      {entries.length > 0 ? (
        <div className="table-wrap"><table>
          <thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Reason or note</th></tr></thead>
          <tbody>{entries.map((entry) => (
            <tr key={entry.id}>
              <td>{formatDateTime(entry.at)}</td>
              <td>{entry.kind === "flagged" ? "Flagged" : <>Resolved by <AdminLink id={entry.adminId} /></>}</td>
              <td>{entry.text || "-"}</td>
            </tr>
          ))}</tbody>
        </table></div>
      ) : null}
      {page?.nextCursor ? <p className="muted">Only the latest {HISTORY_LIMIT} audit entries of this payment were read: older flags may be missing.</p> : null}
      <p><Link to={`/audit?targetType=payment&targetId=${encodeURIComponent(paymentId)}`}>All audit entries for this payment</Link></p>
    </Card>
  );
}
