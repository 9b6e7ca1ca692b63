import { ApiError, errorMessage, knownErrorCodes } from "@kservices/shared";
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

// A failed create's failureReason is "<code>: <server text>" or an exception's class name: the user reads the code's
// sentence, never the code, the bank's raw answer or a class name (the admin console shows the reason as stored).
export function failureText(reason: string | null | undefined): string {
  const code = /^([a-z][a-z0-9_]*): /.exec(reason ?? "")?.[1];
  if (!code || !knownErrorCodes().includes(code)) return "The payment could not be created at the bank.";
  const text = errorMessage(new ApiError({ status: 0, code, message: "" }));
  return `The payment could not be created at the bank: ${text.charAt(0).toLowerCase()}${text.slice(1)}`;
}
