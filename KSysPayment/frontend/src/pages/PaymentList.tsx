import { Card, ErrorMessage, Link, ListStatus, Pager, SelectField, Spinner, TableWrap, formatDateTime, formatRupiah, useCursorStack, useLoad, useRouter } from "@kservices/shared";
import { paymentApi } from "../api";
import { StatusBadge, methodLabel } from "../status";

export function PaymentListPage() {
  const { query, navigate } = useRouter();
  const status = query.get("status") ?? "";
  const method = query.get("method") ?? "";
  const pages = useCursorStack();
  const page = useLoad(() => paymentApi.list({ status, method, cursor: pages.cursor }), [status, method, pages.cursor]);

  const setFilter = (key: string, value: string) => {
    const params = new URLSearchParams(query);
    if (value) params.set(key, value);
    else params.delete(key);
    const text = params.toString();
    navigate(`/${text ? `?${text}` : ""}`, { replace: true });
  };

  return (
    <Card title="My payments">
      <div className="form-row filters" role="search" aria-label="Filter payments">
        <SelectField label="Status" name="status" value={status} onChange={(v) => setFilter("status", v)} options={[
          { value: "", label: "All statuses" },
          { value: "pending", label: "Pending" },
          { value: "paid", label: "Paid" },
          { value: "expired", label: "Expired" },
          { value: "cancelled", label: "Cancelled" },
          { value: "failed", label: "Failed" },
        ]} />
        <SelectField label="Method" name="method" value={method} onChange={(v) => setFilter("method", v)} options={[
          { value: "", label: "All methods" },
          { value: "briva", label: "BRIVA" },
          { value: "qris", label: "QRIS" },
        ]} />
        <Link to="/new" className="button button-primary">New payment</Link>
      </div>
      <ErrorMessage error={page.error} onRetry={page.reload} />
      {page.loading ? <Spinner /> : null}
      <ListStatus count={page.data?.items.length} empty={status || method ? "No payments match." : "You have no payments yet."} noun={["payment", "payments"]} />
      {page.data && page.data.items.length > 0 ? (
        <TableWrap label="My payments">
          <table>
            <thead>
              <tr><th scope="col">Created</th><th scope="col">Amount</th><th scope="col">Method</th><th scope="col">Status</th><th scope="col">Description</th></tr>
            </thead>
            <tbody>
              {page.data.items.map((payment) => (
                <tr key={payment.id}>
                  <td><Link to={`/payments/${payment.id}`}>{formatDateTime(payment.createdAt)}</Link></td>
                  <td>{formatRupiah(payment.amount)}</td>
                  <td>{methodLabel(payment.method)}</td>
                  <td><StatusBadge status={payment.status} /></td>
                  <td>{payment.description ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      ) : null}
      <Pager pages={pages} nextCursor={page.data?.nextCursor} loading={page.loading} />
    </Card>
  );
}
