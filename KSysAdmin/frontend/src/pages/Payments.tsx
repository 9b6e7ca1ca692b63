import { Card, ErrorMessage, Field, Form, Link, ListStatus, Pager, SelectField, Spinner, TableWrap, formatDateTime, formatRupiah, useCursorStack, useLoad } from "@kservices/shared";
import { adminApi } from "../api";
import { useQueryFilters } from "../listPaging";
import { FLAG_OPTIONS, FlagBadge, flagChoice, flagFilters } from "../paymentFlag";
import { browserTimeZone } from "../timeZone";

const FILTERS = ["status", "method", "flagged", "flagResolved", "userId", "from", "to"] as const;

// Date inputs give YYYY-MM-DD; the API takes ISO date-times (from = start of day, to = end of day, in the browser's
// time zone, which the fields' labels name).
export function dayBounds(day: string, end: boolean): string {
  if (!day) return "";
  const date = new Date(`${day}T${end ? "23:59:59.999" : "00:00:00"}`);
  return Number.isNaN(date.getTime()) ? "" : date.toISOString();
}

export function PaymentsPage() {
  const pages = useCursorStack();
  const { current, form, set, update, apply, queryKey } = useQueryFilters(FILTERS, "/payments");
  const zone = browserTimeZone();
  const page = useLoad(() => adminApi.payments({ ...current, from: dayBounds(current.from, false), to: dayBounds(current.to, true), cursor: pages.cursor, limit: 50 }), [queryKey, pages.cursor]);
  return (
    <Card title="Payments">
      <Form onSubmit={apply} className="form-row" label="Filter payments">
        <SelectField label="Status" name="status" value={form.status} onChange={set("status")} options={[
          { value: "", label: "Any" }, { value: "pending", label: "Pending" }, { value: "paid", label: "Paid" },
          { value: "expired", label: "Expired" }, { value: "cancelled", label: "Cancelled" }, { value: "failed", label: "Failed" },
        ]} />
        <SelectField label="Method" name="method" value={form.method} onChange={set("method")} options={[
          { value: "", label: "Any" }, { value: "briva", label: "BRIVA" }, { value: "qris", label: "QRIS" },
        ]} />
        <SelectField label="Flagged" name="flag" value={flagChoice(form)} onChange={(choice) => update(flagFilters(choice))} options={FLAG_OPTIONS} />
        <Field label="User id" name="userId" value={form.userId} onChange={set("userId")} />
        <Field label={`From (${zone})`} name="from" type="date" value={form.from} onChange={set("from")} />
        <Field label={`To (${zone})`} name="to" type="date" value={form.to} onChange={set("to")} />
        <button type="submit" className="button button-primary">Filter</button>
      </Form>
      <ErrorMessage error={page.error} onRetry={page.reload} />
      {page.loading ? <Spinner /> : null}
      <ListStatus count={page.data?.items.length} empty="No payments match." noun={["payment", "payments"]} />
      {page.data && page.data.items.length > 0 ? (
        <TableWrap label="Payments"><table>
          <thead><tr><th scope="col">Created</th><th scope="col">User</th><th scope="col">Amount</th><th scope="col">Method</th><th scope="col">Status</th><th scope="col">Paid</th><th scope="col">Id</th></tr></thead>
          <tbody>{page.data.items.map((p) => (
            <tr key={p.id}>
              <td>{formatDateTime(p.createdAt)}</td>
              <td><Link to={`/users/${p.userId}`}>{p.userEmail ?? p.userId}</Link></td>
              <td>{formatRupiah(p.amount)}</td>
              <td>{p.method}</td>
              <td><span className={`badge badge-${p.status}`}>{p.status}</span><FlagBadge payment={p} /></td>
              <td>{formatDateTime(p.paidAt ?? null)}</td>
              <td className="mono"><Link to={`/payments/${p.id}`}>{p.id}</Link>{p.virtualAccountNo ? <div className="muted">VA {p.virtualAccountNo}</div> : null}</td>
            </tr>
          ))}</tbody>
        </table></TableWrap>
      ) : null}
      <Pager pages={pages} nextCursor={page.data?.nextCursor} loading={page.loading} />
    </Card>
  );
}
