import { Card, ErrorMessage, Spinner, formatRupiah, useLoad, usePageTitle } from "@kservices/shared";
import { adminApi } from "../api";
import { BarChart } from "../charts";

export function DashboardPage() {
  usePageTitle("Dashboard");
  const stats = useLoad(() => adminApi.stats(30), []);
  if (stats.loading) return <Spinner label="Loading statistics..." />;
  if (stats.error) return <Card title="Dashboard"><ErrorMessage error={stats.error} onRetry={stats.reload} /></Card>;
  const days = stats.data?.days ?? [];
  const series = (key: "signups" | "logins" | "failedLogins" | "payments" | "paidAmount") => days.map((d) => ({ label: d.date, value: d[key] }));
  return (
    <>
      <h1>Dashboard <span className="muted">(last {days.length} days, UTC)</span></h1>
      <p className="muted">Each day is a UTC calendar day (00:00 to 24:00 UTC), which may not match your local day.</p>
      <div className="grid">
        <BarChart title="Sign-ups" points={series("signups")} zone="UTC" />
        <BarChart title="Logins" points={series("logins")} zone="UTC" color="#146c43" />
        <BarChart title="Failed logins" points={series("failedLogins")} zone="UTC" color="#b42318" />
        <BarChart title="Payments" points={series("payments")} zone="UTC" color="#7a4cc2" />
        <BarChart title="Paid amount" points={series("paidAmount")} zone="UTC" color="#b26b00" format={(v) => formatRupiah(v)} unit="Rp " />
      </div>
    </>
  );
}
