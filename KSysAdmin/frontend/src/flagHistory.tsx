import { Card, ErrorMessage, Link, Spinner, TableWrap, formatDateTime, useLoad, type Page } from "@kservices/shared";
import { adminApi, type AuditEntry } from "./api";

// A payment's flag history from the audit log: KSysPayment's `payment.flagged` entries and the admins'
// `payment.flag_resolved` ones. A new flag clears the payment's resolution columns, so only this history tells
// the next admin that an earlier flag was already handled (a refund made). Each action is read on its own, so the
// payment's other entries (access-denied probes, notifications) cannot push an earlier resolution off the page.
const HISTORY_LIMIT = 200;
const FLAGGED = "payment.flagged";
const RESOLVED = "payment.flag_resolved";

// The newest page of each action, as the API answers them (newest first).
export interface FlagPages {
  flags: Page<AuditEntry>;
  resolutions: Page<AuditEntry>;
}

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
  if (entry.action === FLAGGED) return { id: entry.id, at: entry.createdAt, kind: "flagged", text: detail(entry, "reason"), adminId: null };
  if (entry.action === RESOLVED && entry.outcome === "success") {
    return { id: entry.id, at: entry.createdAt, kind: "resolved", text: detail(entry, "resolution"), adminId: entry.actorId };
  }
  return null;
}

// createdAt as the API writes it (microseconds, none when zero): milliseconds, then the microseconds below them.
function timeKey(at: string): [number, number] {
  return [Date.parse(at), Number((/\.\d{3}(\d{1,3})/.exec(at)?.[1] ?? "0").padEnd(3, "0"))];
}

// The API's order (createdAt, then id, descending) across both pages.
function newestFirst(a: FlagEntry, b: FlagEntry): number {
  const [aMs, aMicro] = timeKey(a.at);
  const [bMs, bMicro] = timeKey(b.at);
  return bMs - aMs || bMicro - aMicro || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

export const flagEntries = (pages: FlagPages) => [...pages.flags.items, ...pages.resolutions.items]
  .map(flagEntry).filter((entry): entry is FlagEntry => entry !== null).sort(newestFirst);

const readAction = (paymentId: string, action: string) =>
  adminApi.auditLogs({ targetType: "payment", targetId: paymentId, action, limit: HISTORY_LIMIT });

// Loads nothing until the payment is known to have (or have had: a reason is never cleared) a flag.
export function useFlagHistory(paymentId: string, flagged: boolean) {
  return useLoad(async (): Promise<FlagPages | null> => {
    if (!flagged) return null;
    const [flags, resolutions] = await Promise.all([readAction(paymentId, FLAGGED), readAction(paymentId, RESOLVED)]);
    return { flags, resolutions };
  }, [paymentId, flagged]);
}

const AdminLink = ({ id }: { id: string | null }) => (id ? <Link to={`/users/${id}`} className="mono">{id}</Link> : <>an unknown admin</>);

// Next to the Resolve button of an open flag: an earlier flag was resolved, maybe by a refund already made; or the
// history could not rule that out (its load failed, or more resolution attempts than one read holds).
export function ResolvedBeforeWarning({ history }: { history: ReturnType<typeof useFlagHistory> }) {
  const pages = history.data;
  const last = pages ? flagEntries(pages).find((entry) => entry.kind === "resolved") : undefined;
  if (last) {
    return (
      <div className="alert alert-warning" data-testid="resolved-before">
        This payment's flag was resolved before (by <AdminLink id={last.adminId} /> at {formatDateTime(last.at)}: {last.text}).
        Check it is not handled twice: see the flag history below.
      </div>
    );
  }
  const unchecked = history.error ? "the flag history could not be loaded" : pages?.resolutions.nextCursor ? "not every resolution attempt was read" : null;
  if (!unchecked) return null;
  return (
    <div className="alert alert-warning" data-testid="resolved-before">
      Whether an earlier flag of this payment was already resolved (a refund made) is not known: {unchecked}. Check the
      audit log before resolving.
    </div>
  );
}

export function FlagHistory({ paymentId, history }: { paymentId: string; history: ReturnType<typeof useFlagHistory> }) {
  const pages = history.data;
  const entries = pages ? flagEntries(pages) : [];
  return (
    <Card title="Flag history" subsection>
      <p className="muted">From the audit log, newest first.</p>
      <ErrorMessage error={history.error} lead="Loading the flag history failed:" />
      {history.loading && !pages ? <Spinner /> : null}
      {pages && entries.length === 0 ? <p className="muted">No flag entries in the audit log.</p> : null}
      {entries.length > 0 ? (
        <TableWrap label="Flag history"><table>
          <thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Reason or note</th></tr></thead>
          <tbody>{entries.map((entry) => (
            <tr key={entry.id}>
              <td>{formatDateTime(entry.at)}</td>
              <td>{entry.kind === "flagged" ? "Flagged" : <>Resolved by <AdminLink id={entry.adminId} /></>}</td>
              <td>{entry.text || "-"}</td>
            </tr>
          ))}</tbody>
        </table></TableWrap>
      ) : null}
      {pages?.flags.nextCursor ? <p className="muted">Only the latest {HISTORY_LIMIT} flags of this payment were read: older flags may be missing.</p> : null}
      {pages?.resolutions.nextCursor ? (
        <p className="muted">Only the latest {HISTORY_LIMIT} resolution attempts (refused ones included) were read: older resolutions may be missing.</p>
      ) : null}
      <p><Link to={`/audit?targetType=payment&targetId=${encodeURIComponent(paymentId)}`}>All audit entries for this payment</Link></p>
    </Card>
  );
}
