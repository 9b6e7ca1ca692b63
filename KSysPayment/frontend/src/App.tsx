import { useEffect, useState, useSyncExternalStore } from "react";
import { Layout, Router, Spinner, loginUrl, matchPath, useRouter } from "@kservices/shared";
import { client, tokens } from "./api";
import { NewPaymentPage } from "./pages/NewPayment";
import { PaymentDetailPage } from "./pages/PaymentDetail";
import { PaymentListPage } from "./pages/PaymentList";

function useSession(): "loading" | "in" | "out" {
  const signedIn = useSyncExternalStore((l) => tokens.subscribe(l), () => tokens.isSignedIn());
  const [tried, setTried] = useState(() => signedIn || !tokens.canRefresh());
  useEffect(() => {
    if (tried) return;
    let active = true;
    void tokens.refresh().finally(() => active && setTried(true));
    return () => {
      active = false;
    };
  }, [tried]);
  if (signedIn) return "in";
  return tried ? "out" : "loading";
}

function Routes() {
  const { path } = useRouter();
  const session = useSession();
  useEffect(() => {
    if (session === "out") window.location.assign(loginUrl());
  }, [session]);

  let content: React.JSX.Element;
  const detail = matchPath("/payments/:id", path);
  if (session !== "in") content = <Spinner label={session === "loading" ? "Restoring your session..." : "Redirecting to sign in..."} />;
  else if (matchPath("/", path)) content = <PaymentListPage />;
  else if (matchPath("/new", path)) content = <NewPaymentPage />;
  else if (detail) content = <PaymentDetailPage key={detail.id} id={detail.id} />;
  else content = <section className="card"><h1>Page not found</h1></section>;

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
          <button
            type="button"
            className="button button-small"
            onClick={() => {
              void client.post("/api/auth/logout").catch(() => undefined).finally(() => {
                tokens.clear();
                window.location.assign("/auth/login");
              });
            }}
          >
            Sign out
          </button>
        ) : null
      }
    >
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
