import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { Card, Layout } from "./layout";
import { Router } from "./router";

describe("Layout and Card", () => {
  it("titles the browser tab after the page's one <h1>, and gives subsections an <h2>", () => {
    const view = render(
      <Router base="/app/">
        <Layout title="KServices Test">
          <Card title="Your profile">{null}</Card>
          <Card title="Edit profile" subsection>{null}</Card>
        </Layout>
      </Router>,
    );
    expect(document.title).toBe("Your profile - KServices Test");
    expect(screen.getAllByRole("heading", { level: 1 }).map((h) => h.textContent)).toEqual(["Your profile"]);
    expect(screen.getByRole("heading", { level: 2 })).toHaveTextContent("Edit profile");
    view.rerender(
      <Router base="/app/">
        <Layout title="KServices Test">
          <p>Loading...</p>
        </Layout>
      </Router>,
    );
    expect(document.title).toBe("KServices Test");
  });
});
