import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { Layout } from "./layout";
import { Router, matchPath, useQuerySecret, useRouter } from "./router";

function SecretPage() {
  return <p data-testid="secret">{useQuerySecret("token")}</p>;
}

function Pages() {
  const { path, navigate } = useRouter();
  let page = <h1>Home</h1>;
  if (path === "/form") page = <input aria-label="Name" autoFocus />;
  if (path === "/secret") page = <SecretPage />;
  return (
    <Layout title="Test" nav={[{ to: "/", label: "Home" }, { to: "/list", label: "List" }, { to: "/form", label: "Form" }]}>
      {page}
      <button type="button" onClick={() => navigate("/list?status=paid", { replace: true })}>Filter</button>
    </Layout>
  );
}

function renderAt(path: string) {
  window.history.pushState(null, "", path);
  return render(<Router base="/t/"><Pages /></Router>);
}

describe("Router focus", () => {
  it("leaves focus alone on the first load, then moves it to the content after a navigation", async () => {
    renderAt("/t/");
    const main = screen.getByRole("main");
    expect(main).not.toHaveFocus();
    await userEvent.click(screen.getByRole("link", { name: "List" }));
    expect(main).toHaveFocus();
    screen.getByRole("link", { name: "Home" }).focus();
    window.history.back();
    await waitFor(() => expect(window.location.pathname).toBe("/t/"));
    await waitFor(() => expect(main).toHaveFocus());
  });

  it("keeps the focus a new page put in its content (autoFocus)", async () => {
    renderAt("/t/");
    await userEvent.click(screen.getByRole("link", { name: "Form" }));
    expect(screen.getByLabelText("Name")).toHaveFocus();
  });

  it("keeps focus in the content when a replace only changes the query", async () => {
    renderAt("/t/list");
    const filter = screen.getByRole("button", { name: "Filter" });
    await userEvent.click(filter);
    expect(window.location.search).toBe("?status=paid");
    expect(filter).toHaveFocus();
  });
});

describe("useQuerySecret", () => {
  it("takes the token out of the URL at once, keeps it, and does not move focus", () => {
    renderAt("/t/secret?token=abc&lang=id");
    expect(window.location.pathname).toBe("/t/secret");
    expect(window.location.search).toBe("?lang=id");
    expect(screen.getByTestId("secret")).toHaveTextContent("abc");
    expect(screen.getByRole("main")).not.toHaveFocus();
  });
});

describe("matchPath", () => {
  it("decodes a parameter, and treats one that is not valid percent-encoding as no match instead of throwing", () => {
    expect(matchPath("/payments/:id", "/payments/a%20b")).toEqual({ id: "a b" });
    expect(matchPath("/payments/:id", "/payments/%E0%A4%A")).toBeNull();
    expect(matchPath("/users/:id", "/users/100%")).toBeNull();
  });
});
