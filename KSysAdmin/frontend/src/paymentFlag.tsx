import { useState } from "react";
import { Form, Link, ModalDialog, TextAreaField, formatDateTime } from "@kservices/shared";
import type { AdminPayment } from "./api";

// The Flagged filter is one select over two query parameters: flagged (any flag / none) and flagResolved
// (resolved / open flags only; the API refuses it with flagged=false).
const FLAG_FILTERS = {
  "": { flagged: "", flagResolved: "" },
  "true": { flagged: "true", flagResolved: "" },
  open: { flagged: "true", flagResolved: "false" },
  resolved: { flagged: "true", flagResolved: "true" },
  "false": { flagged: "false", flagResolved: "" },
};
type FlagChoice = keyof typeof FLAG_FILTERS;

export const FLAG_OPTIONS: Array<{ value: FlagChoice; label: string }> = [
  { value: "", label: "Any" },
  { value: "true", label: "Flagged: any" },
  { value: "open", label: "Flagged: open" },
  { value: "resolved", label: "Flagged: resolved" },
  { value: "false", label: "Not flagged" },
];

export function flagChoice(filters: { flagged: string; flagResolved: string }): string {
  if (filters.flagResolved === "true") return "resolved";
  if (filters.flagResolved === "false") return "open";
  return filters.flagged;
}

export const flagFilters = (choice: string) => FLAG_FILTERS[choice as FlagChoice] ?? FLAG_FILTERS[""];

export const flagIsOpen = (payment: AdminPayment) => Boolean(payment.flaggedReason) && !payment.flagResolvedAt;

// The list's mark next to the status: red while open, neutral once an admin resolved it.
export function FlagBadge({ payment }: { payment: AdminPayment }) {
  if (!payment.flaggedReason) return null;
  if (flagIsOpen(payment)) return <span className="badge badge-failed" title={payment.flaggedReason}> flagged</span>;
  return <span className="badge" title={`${payment.flaggedReason} (resolved: ${payment.flagResolution ?? ""})`}> flag resolved</span>;
}

// The detail's flag: the reason while open; once resolved, who resolved it, when, and the note.
export function FlagStatus({ payment }: { payment: AdminPayment }) {
  if (!payment.flaggedReason) return null;
  if (flagIsOpen(payment)) return <div className="alert alert-warning" role="status">Flagged for review: {payment.flaggedReason}</div>;
  const by = payment.flagResolvedBy;
  return (
    <div className="alert alert-info" data-testid="flag-resolution">
      <p>Flag resolved: {payment.flaggedReason}</p>
      <p>
        Resolved{by ? <> by <Link to={`/users/${by}`} className="mono">{by}</Link></> : null} at {formatDateTime(payment.flagResolvedAt)}: {payment.flagResolution}
      </p>
    </div>
  );
}

export const RESOLUTION_MAX = 500;

// "Resolve flag" and its dialog: a required note (1..500 characters after trimming, as the API checks), sent
// trimmed by onResolve once the dialog closed. The note is kept if the call fails, for another try of the same
// flag; the page keys this component by the flag, so a new flag starts with an empty note.
export function ResolveFlagButton({ reason, disabled, busy, onResolve }: { reason: string; disabled: boolean; busy: boolean; onResolve: (resolution: string) => void }) {
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState("");
  const [error, setError] = useState<string | undefined>();
  const close = () => {
    setOpen(false);
    setError(undefined);
  };
  const submit = () => {
    const resolution = note.trim();
    if (!resolution) {
      setError("Write what was done; a note of only spaces is not accepted.");
      return;
    }
    close();
    onResolve(resolution);
  };
  return (
    <>
      <button type="button" className="button" aria-haspopup="dialog" disabled={disabled} aria-busy={busy} onClick={() => setOpen(true)}>Resolve flag</button>
      {open ? (
        <ModalDialog title="Resolve this flag?" description={`Flagged for review: ${reason}. Record what was done; the payment's status does not change.`} role="alertdialog" onCancel={close}>
          <Form onSubmit={submit} label="Resolve flag">
            <TextAreaField label="Resolution note" name="resolution" value={note} onChange={(value) => { setNote(value); setError(undefined); }}
              required maxLength={RESOLUTION_MAX} rows={4} error={error} hint={`Required. Kept for good in the audit log: do not paste card or account numbers or credentials. ${note.length} of ${RESOLUTION_MAX} characters.`} />
            <div className="actions">
              <button type="button" className="button" onClick={close}>Cancel</button>
              <button type="submit" className="button button-primary">Resolve flag</button>
            </div>
          </Form>
        </ModalDialog>
      ) : null}
    </>
  );
}
