import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { useLoad } from "./components";
import { ListStatus, Pager, useCursorStack } from "./paging";
import { applyFocusFixup } from "./test/focusFixup";
import { renderInApp } from "./test/renderAt";

interface Page {
  items: string[];
  nextCursor: string | null;
}

const renderAt = renderInApp("/app/");
applyFocusFixup();

function List({ pages: book }: { pages: Record<string, Page> }) {
  const pages = useCursorStack();
  const page = useLoad(() => Promise.resolve(book[pages.cursor ?? "first"]), [pages.cursor]);
  return (
    <>
      <ListStatus count={page.data?.items.length} empty="No rows match." noun={["row", "rows"]} />
      <Pager pages={pages} nextCursor={page.data?.nextCursor} loading={page.loading} />
    </>
  );
}

describe("Pager", () => {
  it("gives focus back to Next once the next page has loaded (it was disabled meanwhile)", async () => {
    renderAt("/app/", <List pages={{ first: { items: ["a", "b"], nextCursor: "c2" }, c2: { items: ["c"], nextCursor: "c3" }, c3: { items: [], nextCursor: null } }} />);
    const next = screen.getByRole("button", { name: "Next" });
    await waitFor(() => expect(next).toBeEnabled());
    await userEvent.click(next);
    await screen.findByText("1 row shown.");
    await waitFor(() => expect(next).toHaveFocus());
  });

  it("hands focus to Previous on the last page, where Next stays disabled", async () => {
    renderAt("/app/", <List pages={{ first: { items: ["a"], nextCursor: "c2" }, c2: { items: ["b"], nextCursor: null } }} />);
    await waitFor(() => expect(screen.getByRole("button", { name: "Next" })).toBeEnabled());
    await userEvent.click(screen.getByRole("button", { name: "Next" }));
    await waitFor(() => expect(screen.getByRole("button", { name: "Previous" })).toHaveFocus());
    expect(screen.getByRole("button", { name: "Next" })).toBeDisabled();
  });
});

describe("ListStatus", () => {
  it("is a live region before the answer, then says how many rows the page shows or that none match", async () => {
    renderAt("/app/", <List pages={{ first: { items: ["a", "b"], nextCursor: "c2" }, c2: { items: [], nextCursor: null } }} />);
    const status = screen.getByRole("status");
    expect(status).toHaveTextContent("");
    await waitFor(() => expect(status).toHaveTextContent("2 rows shown."));
    expect(status).toHaveClass("visually-hidden");
    await userEvent.click(screen.getByRole("button", { name: "Next" }));
    await waitFor(() => expect(status).toHaveTextContent("No rows match."));
    expect(status).not.toHaveClass("visually-hidden");
  });
});
