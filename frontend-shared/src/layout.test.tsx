import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Card, Layout, TableWrap } from "./layout";
import { Router, useRouter } from "./router";

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

function Visit() {
  return <p data-testid="visit">{useRouter().locationKey}</p>;
}

describe("skip link", () => {
  it("moves focus to the content without a navigation, which would start the page's lists again", async () => {
    window.history.pushState(null, "", "/app/list");
    render(<Router base="/app/"><Layout title="KServices Test"><Visit /></Layout></Router>);
    await userEvent.click(screen.getByRole("link", { name: "Skip to content" }));
    expect(screen.getByRole("main")).toHaveFocus();
    expect(window.location.hash).toBe("");
    expect(screen.getByTestId("visit")).toHaveTextContent("0");
  });
});

describe("TableWrap", () => {
  const widths = (scrollWidth: number) => {
    vi.spyOn(HTMLElement.prototype, "scrollWidth", "get").mockReturnValue(scrollWidth);
    vi.spyOn(HTMLElement.prototype, "clientWidth", "get").mockReturnValue(300);
  };
  beforeEach(() => {
    // jsdom has no layout: a ResizeObserver that reports once, as browsers do when observing starts.
    vi.stubGlobal("ResizeObserver", class {
      constructor(private readonly report: () => void) {}
      observe() { this.report(); }
      disconnect() {}
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllGlobals();
  });

  it("is a named region that takes keyboard focus while its table is wider than it", () => {
    widths(900);
    render(<TableWrap label="Payments"><table><tbody><tr><td>wide</td></tr></tbody></table></TableWrap>);
    expect(screen.getByRole("region", { name: "Payments" })).toHaveAttribute("tabindex", "0");
  });

  it("adds no tab stop while the table fits", () => {
    widths(300);
    const { container } = render(<TableWrap label="Payments"><table><tbody><tr><td>narrow</td></tr></tbody></table></TableWrap>);
    expect(screen.queryByRole("region")).toBeNull();
    expect(container.querySelector(".table-wrap")).not.toHaveAttribute("tabindex");
  });
});
