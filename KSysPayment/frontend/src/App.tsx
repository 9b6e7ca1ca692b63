import { useEffect } from "react";
import { Card, ErrorMessage, Layout, Router, Spinner, loginUrl, matchPath, useRouter, useSignOut, useUserSession } from "@kservices/shared";
import { client, tokens } from "./api";
import { NewPaymentPage } from "./pages/NewPayment";
import { PaymentDetailPage } from "./pages/PaymentDetail";
import { PaymentListPage } from "./pages/PaymentList";

function Routes() {
  const { path } = useRouter();
  const { state: session, retry } = useUserSession(tokens);
  const logout = useSignOut(client, () => window.location.assign("/auth/login"));
  useEffect(() => {
    if (session === "out") window.location.assign(loginUrl());
  }, [session]);

  let content: React.JSX.Element;
  const detail = matchPath("/payments/:id", path);
  if (session === "unreachable") {
    content = (
      <section className="card" role="alert">
        <p>Cannot reach the server to restore your session.</p>
        <button type="button" className="button" onClick={retry}>Try again</button>
      </section>
    );
  } else if (session !== "in") content = <Spinner label={session === "loading" ? "Restoring your session..." : "Redirecting to sign in..."} />;
  else if (matchPath("/", path)) content = <PaymentListPage />;
  else if (matchPath("/new", path)) content = <NewPaymentPage />;
  else if (detail) content = <PaymentDetailPage key={detail.id} id={detail.id} />;
  else content = <Card title="Page not found"><p>There is nothing at this address.</p></Card>;

  return (
    <Layout
      title="KServices Payments"
      nav={[
        { to: "/", label: "My payments" },
        { to: "/new", label: "New payment" },
        { to: "/auth/", label: "Account" },
      ]}
      actions={
        session === "in" ? (
          <button ref={logout.buttonRef} type="button" className="button button-small" onClick={() => void logout.run()} disabled={logout.busy} aria-busy={logout.busy}>
            Sign out
          </button>
        ) : null
      }
    >
      {session === "in" ? <ErrorMessage error={logout.error} lead="Signing out failed: you are still signed in." /> : null}
      {content}
    </Layout>
  );
}

export function App() {
  return (
    <Router base="/payment/">
      <Routes />
    </Router>
  );
}
