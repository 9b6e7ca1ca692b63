import { useEffect } from "react";
import { Card, ErrorMessage, Layout, Router, Spinner, matchPath, safeNext, useRouter, useSignOut, useUserSession, type NavItem } from "@kservices/shared";
import { client, tokens } from "./api";
import { LoginPage } from "./pages/Login";
import { RegisterPage } from "./pages/Register";
import { VerifyEmailPage } from "./pages/VerifyEmail";
import { ForgotPasswordPage } from "./pages/ForgotPassword";
import { ResetPasswordPage } from "./pages/ResetPassword";
import { ProfilePage } from "./pages/Profile";
import { ChangePasswordPage } from "./pages/ChangePassword";
import { SessionsPage } from "./pages/Sessions";
import { MfaPage } from "./pages/Mfa";
import { guardedSignOut } from "./pages/RecoveryCodes";
import { AccountDeletedPage } from "./pages/DeleteAccount";

const PUBLIC_ROUTES: Record<string, () => React.JSX.Element> = {
  "/login": LoginPage,
  "/register": RegisterPage,
  "/verify-email": VerifyEmailPage,
  "/forgot-password": ForgotPasswordPage,
  "/reset-password": ResetPasswordPage,
  "/account-deleted": AccountDeletedPage,
};

const PRIVATE_ROUTES: Record<string, () => React.JSX.Element> = {
  "/": ProfilePage,
  "/profile": ProfilePage,
  "/password": ChangePasswordPage,
  "/sessions": SessionsPage,
  "/mfa": MfaPage,
};

const SIGNED_IN_NAV: NavItem[] = [
  { to: "/", label: "Profile" },
  { to: "/password", label: "Password" },
  { to: "/sessions", label: "Sessions" },
  { to: "/mfa", label: "Two-factor" },
  { to: "/payment/", label: "Payments" },
];

const SIGNED_OUT_NAV: NavItem[] = [
  { to: "/login", label: "Sign in" },
  { to: "/register", label: "Register" },
];

function find(routes: Record<string, () => React.JSX.Element>, path: string) {
  for (const [pattern, page] of Object.entries(routes)) if (matchPath(pattern, path)) return page;
  return null;
}

function Routes() {
  const { path, search, query, navigate } = useRouter();
  const { state: session, retry } = useUserSession(tokens);
  const ready = session !== "loading";
  const signedIn = session === "in";
  const PublicPage = find(PUBLIC_ROUTES, path);
  const PrivatePage = find(PRIVATE_ROUTES, path);
  const needsLogin = session === "out" && !PublicPage;

  useEffect(() => {
    if (needsLogin) {
      const next = PrivatePage ? `/auth${path === "/" ? "/" : path}${search}` : "/auth/";
      navigate(`/login?next=${encodeURIComponent(next)}`, { replace: true });
    }
  }, [needsLogin, PrivatePage, path, search, navigate]);

  // Already signed in (the cookie restored the session): the login page forwards to its target.
  const onLogin = matchPath("/login", path) !== null;
  useEffect(() => {
    if (ready && signedIn && onLogin) {
      const next = safeNext(query.get("next"), "/auth/");
      if (next.startsWith("/auth/")) navigate(next, { replace: true });
      else window.location.assign(next);
    }
  }, [ready, signedIn, onLogin, query, navigate]);

  const logout = useSignOut(client, () => navigate("/login", { replace: true }));

  let content: React.JSX.Element;
  if (!ready) content = <Spinner label="Restoring your session..." />;
  else if (PublicPage) content = <PublicPage />;
  else if (session === "unreachable") {
    content = (
      <section className="card" role="alert">
        <p>Cannot reach the server to restore your session.</p>
        <button type="button" className="button" onClick={retry}>Try again</button>
      </section>
    );
  } else if (!signedIn) content = <Spinner label="Redirecting to sign in..." />;
  else if (PrivatePage) content = <PrivatePage />;
  else content = <NotFound />;

  return (
    <Layout
      title="KServices Account"
      nav={signedIn ? SIGNED_IN_NAV : SIGNED_OUT_NAV}
      actions={
        signedIn ? (
          <button ref={logout.buttonRef} type="button" className="button button-small" onClick={() => guardedSignOut(async () => (await logout.run()) === true)} disabled={logout.busy} aria-busy={logout.busy}>
            Sign out
          </button>
        ) : null
      }
    >
      {signedIn ? <ErrorMessage error={logout.error} lead="Signing out failed: you are still signed in." /> : null}
      {content}
    </Layout>
  );
}

function NotFound() {
  return (
    <Card title="Page not found">
      <p>There is nothing at this address.</p>
    </Card>
  );
}

export function App() {
  return (
    <Router base="/auth/">
      <Routes />
    </Router>
  );
}
