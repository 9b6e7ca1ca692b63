import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { envelope, json } from "../../../frontend-shared/src/test/responses";
import { stubFetch } from "../../../frontend-shared/src/test/fetchStub";
import { applyFocusFixup } from "../../../frontend-shared/src/test/focusFixup";
import { tokens } from "./api";
import { App } from "./App";

// The profile's "Your data" section: GET /api/auth/me/export, saved as a pretty-printed JSON file through a
// temporary download link to an object URL, then a notice naming the file.
const fetchMock = stubFetch();
applyFocusFixup();
const me = { id: "u1", email: "a@example.com", displayName: "Alice", phoneNumber: null, emailVerified: true, mfaEnabled: false, roles: ["user"], createdAt: "2026-01-01T00:00:00Z" };
const exported = {
  exportedAt: "2026-12-07T10:00:00Z",
  account: { ...me, status: "active" },
  sessions: [{ id: "s1", deviceFingerprint: null, userAgent: "Firefox", ip: "10.0.0.1", createdAt: "2026-12-07T09:00:00Z", lastUsedAt: null, revokedAt: null, revokedReason: null }],
  payments: [],
  activity: [{ action: "user.login", outcome: "success", createdAt: "2026-12-07T09:00:00Z", byYou: true, ip: "10.0.0.1", details: {} }],
  truncated: { sessions: false, payments: false, activity: false },
};
const exportAnswer = (headers: Record<string, string> = { "Content-Disposition": 'attachment; filename="kservices-data-2026-03-04.json"' }) => json(200, exported, headers);

// jsdom has no object URLs and cannot download: the links the page clicks are recorded and their default stopped.
const createObjectURL = vi.fn((_blob: Blob) => "blob:export");
const revokeObjectURL = vi.fn();
let downloads: { href: string; name: string }[];
const recordDownload = (event: MouseEvent) => {
  if (!(event.target instanceof HTMLAnchorElement) || !event.target.hasAttribute("download")) return;
  event.preventDefault();
  downloads.push({ href: event.target.getAttribute("href")!, name: event.target.download });
};
beforeEach(() => {
  tokens.clear();
  downloads = [];
  createObjectURL.mockClear();
  revokeObjectURL.mockClear();
  Object.assign(URL, { createObjectURL, revokeObjectURL });
  document.addEventListener("click", recordDownload, true);
});
afterEach(() => {
  document.removeEventListener("click", recordDownload, true);
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

const exportCalls = () => fetchMock.mock.calls.filter(([url]) => String(url).endsWith("/api/auth/me/export"));

// The text of the Blob the page made an object URL of.
const blobText = (blob: Blob) =>
  new Promise((resolve) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.readAsText(blob);
  });

// The app signed in on the profile, the export answered by `answer`; returns the "Your data" section.
async function showProfile(answer: () => Response | Promise<Response>) {
  fetchMock.mockImplementation(async (url: string) => {
    if (url.endsWith("/api/auth/me")) return json(200, me);
    if (url.endsWith("/api/auth/me/export")) return answer();
    return json(404, envelope("not_found"));
  });
  tokens.setTokens({ accessToken: "acc", expiresIn: 900 });
  window.history.pushState(null, "", "/auth/");
  render(<App />);
  return within((await screen.findByRole("heading", { level: 2, name: "Your data" })).closest("section")!);
}

describe("downloading your data", () => {
  it("says what the file holds and sends nothing until asked", async () => {
    const section = await showProfile(() => exportAnswer());
    expect(section.getByText(/JSON file/)).toHaveTextContent(/your profile, your sessions, your payments and your account activity/);
    expect(section.getByRole("button", { name: "Download your data" })).toBeEnabled();
    expect(exportCalls()).toEqual([]);
  });

  it("is busy while the file is prepared", async () => {
    let answer!: (response: Response) => void;
    const section = await showProfile(() => new Promise<Response>((resolve) => { answer = resolve; }));
    await userEvent.click(section.getByRole("button", { name: "Download your data" }));
    const busy = section.getByRole("button", { name: "Preparing your file..." });
    expect(busy).toBeDisabled();
    expect(busy).toHaveAttribute("aria-busy", "true");
    answer(exportAnswer());
    expect(await section.findByRole("button", { name: "Download your data" })).toBeEnabled();
  });

  it("fetches the export with the bearer token and saves it under the server's file name, then says so with focus", async () => {
    const section = await showProfile(() => exportAnswer());
    await userEvent.click(section.getByRole("button", { name: "Download your data" }));
    const notice = await section.findByRole("status");
    expect(notice).toHaveTextContent("Your data was downloaded as kservices-data-2026-03-04.json.");
    await waitFor(() => expect(notice).toHaveFocus());
    expect(exportCalls()).toHaveLength(1);
    const [, init] = exportCalls()[0];
    expect(init.method).toBe("GET");
    expect(init.headers.Authorization).toBe("Bearer acc");
    expect(downloads).toEqual([{ href: "blob:export", name: "kservices-data-2026-03-04.json" }]);
    expect(createObjectURL).toHaveBeenCalledTimes(1);
    const blob = createObjectURL.mock.calls[0][0];
    expect(blob.type).toBe("application/json");
    expect(await blobText(blob)).toBe(`${JSON.stringify(exported, null, 2)}\n`);
    // The link was temporary and its URL is let go.
    expect(document.querySelector("a[download]")).toBeNull();
    await waitFor(() => expect(revokeObjectURL).toHaveBeenCalledWith("blob:export"));
  });

  it("says which lists the server cut at its row limit", async () => {
    const cut = { ...exported, truncated: { sessions: false, payments: true, activity: true } };
    const section = await showProfile(() => json(200, cut));
    await userEvent.click(section.getByRole("button", { name: "Download your data" }));
    expect(await section.findByRole("status")).toHaveTextContent(
      /downloaded as kservices-data-\d{4}-\d{2}-\d{2}\.json\. Your payments and activity are too long for one file: it holds the newest 10,000 entries of each\.$/,
    );
  });

  it("names the file after the local date when the answer gives no name", async () => {
    // 06:30 on 2 January in Jakarta is still 1 January in UTC.
    vi.stubEnv("TZ", "Asia/Jakarta");
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2027-01-01T23:30:00Z"));
    const section = await showProfile(() => exportAnswer({}));
    await userEvent.click(section.getByRole("button", { name: "Download your data" }));
    expect(await section.findByRole("status")).toHaveTextContent("Your data was downloaded as kservices-data-2027-01-02.json.");
    expect(downloads).toEqual([{ href: "blob:export", name: "kservices-data-2027-01-02.json" }]);
  });

  it("shows a refusal, downloads nothing and gives focus back to the button", async () => {
    let refuse = false;
    const section = await showProfile(() => (refuse ? json(503, envelope("service_unavailable"), { "Retry-After": "30" }) : exportAnswer()));
    const button = section.getByRole("button", { name: "Download your data" });
    await userEvent.click(button);
    await section.findByRole("status");
    refuse = true;
    downloads = [];
    createObjectURL.mockClear();
    await userEvent.click(button);
    const alert = await section.findByRole("alert");
    expect(alert).toHaveAttribute("data-error-code", "service_unavailable");
    await waitFor(() => expect(button).toHaveFocus());
    // The earlier download's notice is gone with the new attempt.
    expect(section.queryByRole("status")).toBeNull();
    expect(downloads).toEqual([]);
    expect(createObjectURL).not.toHaveBeenCalled();
    expect(exportCalls()).toHaveLength(2);
    expect(tokens.getAccessToken()).toBe("acc");
  });
});
