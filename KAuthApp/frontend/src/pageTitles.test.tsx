import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { json } from "../../../frontend-shared/src/test/responses";
import { stubFetch } from "../../../frontend-shared/src/test/fetchStub";
import { tokens } from "./api";
import { App } from "./App";

// Each page names the browser tab after its one <h1>, and a navigation renames it. The title is set by an effect,
// which may run after the heading is in the document (a render outside act), so the checks wait for it.
const me = { id: "u1", email: "a@example.com", displayName: null, phoneNumber: null, mfaEnabled: false, createdAt: "2026-01-01T00:00:00Z" };

const fetchMock = stubFetch();
afterEach(() => {
  tokens.clear();
});

describe("page titles", () => {
  it("titles the profile (one <h1>) and the page a nav link opens", async () => {
    tokens.setTokens({ accessToken: "acc", expiresIn: 900 });
    fetchMock.mockImplementation(async (url: string) => (url.endsWith("/sessions") ? json(200, { sessions: [] }) : json(200, me)));
    window.history.pushState(null, "", "/auth/");
    render(<App />);
    expect(await screen.findByRole("heading", { level: 2, name: "Edit profile" })).toBeInTheDocument();
    expect(screen.getAllByRole("heading", { level: 1 }).map((h) => h.textContent)).toEqual(["Your profile"]);
    await waitFor(() => expect(document.title).toBe("Your profile - KServices Account"));
    await userEvent.click(screen.getByRole("link", { name: "Sessions" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Your sessions" })).toBeInTheDocument();
    await waitFor(() => expect(document.title).toBe("Your sessions - KServices Account"));
  });
});
