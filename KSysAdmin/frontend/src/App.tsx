import { Fragment, useEffect } from "react";
import { Card, Layout, Router, Spinner, matchPath, useRouter } from "@kservices/shared";
import { adminRoles } from "./api";
import { endSession, useSessionAccount, useSessionStatus } from "./session";
import { SessionGuard } from "./sessionGuard";
import { AdminLoginPage } from "./pages/Login";
import { DashboardPage } from "./pages/Dashboard";
import { UsersPage } from "./pages/Users";
import { UserDetailPage } from "./pages/UserDetail";
import { AuditLogsPage } from "./pages/AuditLogs";
import { PaymentsPage } from "./pages/Payments";
import { PaymentDetailPage } from "./pages/PaymentDetail";
import { SettingsPage } from "./pages/Settings";

const NAV = [
  { to: "/", label: "Dashboard" },
  { to: "/users", label: "Users" },
  { to: "/audit", label: "Audit log" },
  { to: "/payments", label: "Payments" },
];

// Settings are superadmin-only on the server; plain admins do not see the link (the server still decides).
function navFor(roles: string[]) {
  return roles.length === 0 || roles.includes("superadmin") ? [...NAV, { to: "/settings", label: "Settings" }] : NAV;
}

function Routes() {
  const { path, search, navigate } = useRouter();
  // An expired session keeps its page mounted (SessionGuard asks for a new sign-in); only signing out leaves it.
  const signedIn = useSessionStatus() !== "signedOut";
  const account = useSessionAccount();
  const isLogin = matchPath("/login", path) !== null;
  useEffect(() => {
    if (!signedIn && !isLogin) navigate(`/login?next=${encodeURIComponent(`/admin${path}${search}`)}`, { replace: true });
  }, [signedIn, isLogin, path, search, navigate]);

  const user = matchPath("/users/:id", path);
  const payment = matchPath("/payments/:id", path);
  let content: React.JSX.Element;
  if (isLogin) content = <AdminLoginPage />;
  else if (!signedIn) content = <Spinner label="Redirecting to sign in..." />;
  else if (matchPath("/", path)) content = <DashboardPage />;
  else if (matchPath("/users", path)) content = <UsersPage />;
  else if (user) content = <UserDetailPage key={user.id} id={user.id} />;
  else if (matchPath("/audit", path)) content = <AuditLogsPage />;
  else if (matchPath("/payments", path)) content = <PaymentsPage />;
  else if (payment) content = <PaymentDetailPage key={payment.id} id={payment.id} />;
  else if (matchPath("/settings", path)) content = <SettingsPage />;
  else content = <Card title="Page not found"><p>There is nothing at this address.</p></Card>;

  return (
    <Layout
      title="KServices Admin"
      nav={signedIn ? navFor(adminRoles.get()) : []}
      actions={signedIn ? <button type="button" className="button button-small" onClick={() => { endSession(); navigate("/login", { replace: true }); }}>Sign out</button> : null}
    >
      {signedIn && !isLogin ? <SessionGuard /> : null}
      {/* Another admin's sign-in starts every page afresh. */}
      <Fragment key={account ?? ""}>{content}</Fragment>
    </Layout>
  );
}

export function App() {
  return (
    <Router base="/admin/">
      <Routes />
    </Router>
  );
}
