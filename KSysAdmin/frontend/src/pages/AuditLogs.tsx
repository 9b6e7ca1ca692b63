import { useState } from "react";
import { Card, ErrorMessage, Field, Form, ListStatus, Pager, Spinner, TableWrap, formatDateTime, useCursorStack, useLoad } from "@kservices/shared";
import { adminApi } from "../api";
import { useQueryFilters } from "../listPaging";
import { browserTimeZone } from "../timeZone";

const FILTERS = ["actorId", "action", "targetType", "targetId", "from", "to"] as const;

// A datetime-local value is read in the browser's time zone, which the fields' labels name.
function toIso(local: string): string {
  if (!local) return "";
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? "" : date.toISOString();
}

export function AuditLogsPage() {
  const pages = useCursorStack();
  const { current, form, set, apply, queryKey } = useQueryFilters(FILTERS, "/audit");
  // The API refuses a target id without its type (no index serves it): say so here instead of sending it.
  const [typeError, setTypeError] = useState<string | undefined>();
  const submit = () => {
    const missingType = Boolean(form.targetId.trim()) && !form.targetType.trim();
    setTypeError(missingType ? "Give the target type too (user for an account) to search by target id." : undefined);
    if (!missingType) apply();
  };
  const page = useLoad(
    () => adminApi.auditLogs({ ...current, from: toIso(current.from), to: toIso(current.to), cursor: pages.cursor, limit: 50 }),
    [queryKey, pages.cursor],
  );
  const zone = browserTimeZone();
  return (
    <Card title="Audit log">
      <Form onSubmit={submit} className="form-row" label="Filter audit log">
        <Field label="Actor id" name="actorId" value={form.actorId} onChange={set("actorId")} />
        <Field label="Action" name="action" value={form.action} onChange={set("action")} placeholder="user.lock" />
        <Field label="Target type" name="targetType" value={form.targetType} onChange={set("targetType")} placeholder="user" error={typeError} />
        <Field label="Target id" name="targetId" value={form.targetId} onChange={set("targetId")} />
        <Field label={`From (${zone})`} name="from" type="datetime-local" value={form.from} onChange={set("from")} />
        <Field label={`To (${zone})`} name="to" type="datetime-local" value={form.to} onChange={set("to")} />
        <button type="submit" className="button button-primary">Filter</button>
      </Form>
      <ErrorMessage error={page.error} onRetry={page.reload} />
      {page.loading ? <Spinner /> : null}
      <ListStatus count={page.data?.items.length} empty="No entries match." noun={["audit entry", "audit entries"]} />
      {page.data && page.data.items.length > 0 ? (
        <TableWrap label="Audit entries"><table>
          <thead><tr><th scope="col">When</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Outcome</th><th scope="col">IP</th><th scope="col">Request</th><th scope="col">Details</th></tr></thead>
          <tbody>{page.data.items.map((a) => (
            <tr key={a.id}>
              <td>{formatDateTime(a.createdAt)}</td>
              <td>{a.actorId ? <span className="mono">{a.actorId}</span> : a.actorType ?? "system"}</td>
              <td>{a.action}</td>
              <td>{a.targetType ? `${a.targetType}:${a.targetId ?? ""}` : "-"}</td>
              <td>{a.outcome}</td>
              <td className="mono">{a.ip ?? "-"}</td>
              <td className="mono">{a.requestId ?? "-"}</td>
              <td>{a.details ? <details><summary>JSON</summary><pre className="mono">{JSON.stringify(a.details, null, 2)}</pre></details> : "-"}</td>
            </tr>
          ))}</tbody>
        </table></TableWrap>
      ) : null}
      <Pager pages={pages} nextCursor={page.data?.nextCursor} loading={page.loading} />
    </Card>
  );
}
