import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { envelope, json } from "../../../frontend-shared/src/test/responses";
import { tokens } from "./api";
import { App } from "./App";
import { rateLimits } from "./rateLimitStubs";
import { endSession, startSession } from "./session";

const ORIGINS = "Allowed origins (one per line)";
type Answer = (init: RequestInit) => Response;

let fetchMock: ReturnType<typeof vi.fn>;
let answers: Record<string, Answer[]>;
let user: ReturnType<typeof userEvent.setup>;

// Answers `METHOD path` with the next queued answer, the last one repeating.
function answer(key: string, ...queued: Answer[]) {
  answers[key] = queued;
}

function sent(key: string) {
  return fetchMock.mock.calls.filter(([url, init]) => `${init.method} ${String(url).split("?")[0]}` === key);
}

beforeEach(() => {
  vi.useFakeTimers({ shouldAdvanceTime: true });
  user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
  answers = {};
  answer("GET /api/admin/settings/cors", () => json(200, { origins: ["https://a.example.com"], version: 3 }));
  answer("GET /api/admin/settings/rate-limits", () => json(200, rateLimits([], 1)));
  answer("GET /api/admin/stats/daily", () => json(200, { days: [] }));
  answer("POST /api/admin/auth/login", () => json(200, { accessToken: "t2", tokenType: "bearer", expiresIn: 600, roles: ["superadmin"] }));
  fetchMock = vi.fn(async (url: string, init: RequestInit) => {
    const queue = answers[`${init.method} ${url.split("?")[0]}`];
    if (!queue) return json(404, envelope("not_found"));
    return (queue.length > 1 ? queue.shift()! : queue[0])(init);
  });
  vi.stubGlobal("fetch", fetchMock);
  startSession("root@example.com", { accessToken: "t1", tokenType: "bearer", expiresIn: 600, roles: ["superadmin"] });
  window.history.pushState(null, "", "/admin/settings");
});

afterEach(() => {
  endSession();
  vi.useRealTimers();
});

// Opens the settings page and adds an origin without saving it.
async function editOrigins() {
  render(<App />);
  const area = await screen.findByLabelText(ORIGINS);
  await waitFor(() => expect(area).toHaveValue("https://a.example.com"));
  await user.type(area, "\nhttps://c.example.com");
  return area;
}

async function signInWith(dialog: HTMLElement, email: string) {
  await user.type(within(dialog).getByLabelText("Email"), email);
  await user.type(within(dialog).getByLabelText("Password"), "very-secret-pass");
  await user.click(within(dialog).getByRole("button", { name: "Sign in" }));
}

describe("admin session end", () => {
  it("keeps the page and its edits when the token expires, sends nothing, and saves them after the same admin signs in", async () => {
    answer("PUT /api/admin/settings/cors", (init) => json(200, { ...JSON.parse(String(init.body)), version: 4 }));
    const area = await editOrigins();
    await act(() => vi.advanceTimersByTimeAsync(600_000));
    const dialog = await screen.findByRole("dialog", { name: "Your admin session ended" });
    expect(dialog).toHaveAccessibleDescription(/Your unsaved changes stay on this page/);
    expect(within(dialog).getByLabelText("Email")).toHaveFocus();
    expect(window.location.pathname).toBe("/admin/settings");
    expect(area).toBeInTheDocument();
    expect(area).toHaveValue("https://a.example.com\nhttps://c.example.com");

    await user.click(screen.getByRole("button", { name: "Save origins" }));
    expect(sent("PUT /api/admin/settings/cors")).toHaveLength(0);

    await signInWith(dialog, " Root@Example.com");
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(tokens.getAccessToken()).toBe("t2");
    expect(screen.getByLabelText(ORIGINS)).toHaveValue("https://a.example.com\nhttps://c.example.com");
    await user.click(screen.getByRole("button", { name: "Save origins" }));
    await waitFor(() => expect(sent("PUT /api/admin/settings/cors")).toHaveLength(1));
    const [[, put]] = sent("PUT /api/admin/settings/cors");
    expect(put.headers.Authorization).toBe("Bearer t2");
    expect(JSON.parse(put.body).origins).toEqual(["https://a.example.com", "https://c.example.com"]);
  });

  it("asks for a new sign-in in place, with the second factor, when a save is answered 401 invalid_token", async () => {
    answer("PUT /api/admin/settings/cors", () => json(401, envelope("invalid_token")), (init) => json(200, { ...JSON.parse(String(init.body)), version: 4 }));
    answer("POST /api/admin/auth/login", () => json(401, envelope("mfa_required")), () => json(200, { accessToken: "t2", tokenType: "bearer", expiresIn: 600, roles: ["superadmin"] }));
    const area = await editOrigins();
    await user.click(screen.getByRole("button", { name: "Save origins" }));
    const dialog = await screen.findByRole("dialog", { name: "Your admin session ended" });
    expect(window.location.pathname).toBe("/admin/settings");
    await signInWith(dialog, "root@example.com");
    await user.type(await within(dialog).findByLabelText("Authentication code"), "123456");
    await user.click(within(dialog).getByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(JSON.parse(sent("POST /api/admin/auth/login")[1][1].body)).toEqual({ email: "root@example.com", password: "very-secret-pass", totpCode: "123456" });
    expect(area).toHaveValue("https://a.example.com\nhttps://c.example.com");
    await user.click(screen.getByRole("button", { name: "Save origins" }));
    expect(await screen.findByText(/CORS origins saved/)).toBeInTheDocument();
    expect(JSON.parse(sent("PUT /api/admin/settings/cors")[1][1].body).origins).toEqual(["https://a.example.com", "https://c.example.com"]);
  });

  it("shows a notice a minute before the token ends, whose sign-in replaces the token without leaving the page", async () => {
    const area = await editOrigins();
    await act(() => vi.advanceTimersByTimeAsync(539_000));
    expect(screen.queryByText(/admin session ends in/)).not.toBeInTheDocument();
    await act(() => vi.advanceTimersByTimeAsync(2_000));
    expect(screen.getByText(/^Your admin session ends in (59|60) s\. Sign in again to keep working\.$/)).toBeInTheDocument();
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Sign in again" }));
    const dialog = screen.getByRole("dialog", { name: "Sign in again" });
    await signInWith(dialog, "root@example.com");
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(tokens.getAccessToken()).toBe("t2");
    expect(screen.queryByText(/admin session ends in/)).not.toBeInTheDocument();
    expect(window.location.pathname).toBe("/admin/settings");
    expect(area).toHaveValue("https://a.example.com\nhttps://c.example.com");
  });

  it("sends another admin who signs in to the console home, without the previous page", async () => {
    await editOrigins();
    await act(() => vi.advanceTimersByTimeAsync(600_000));
    await signInWith(await screen.findByRole("dialog", { name: "Your admin session ended" }), "other@example.com");
    await waitFor(() => expect(window.location.pathname).toBe("/admin/"));
    expect(await screen.findByRole("heading", { name: /Dashboard/ })).toBeInTheDocument();
    expect(screen.queryByLabelText(ORIGINS)).not.toBeInTheDocument();
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
  });

  it("signs out from the dialog to the login page", async () => {
    await editOrigins();
    await act(() => vi.advanceTimersByTimeAsync(600_000));
    await user.click(within(await screen.findByRole("dialog")).getByRole("button", { name: "Sign out" }));
    await waitFor(() => expect(window.location.pathname).toBe("/admin/login"));
    expect(screen.getByRole("heading", { name: "Administrator sign in" })).toBeInTheDocument();
  });
});
