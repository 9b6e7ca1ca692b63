import type { PaymentStatus } from "./api";

const LABELS: Record<PaymentStatus, string> = {
  pending: "Waiting for payment",
  paid: "Paid",
  expired: "Expired",
  cancelled: "Cancelled",
  failed: "Failed",
};

export function StatusBadge({ status }: { status: PaymentStatus }) {
  return <span className={`badge badge-${status}`} data-status={status}>{LABELS[status] ?? status}</span>;
}

export function methodLabel(method: string): string {
  return method === "briva" ? "BRIVA (virtual account)" : method === "qris" ? "QRIS" : method;
}
