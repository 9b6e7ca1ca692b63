import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { json } from "../../../frontend-shared/src/test/responses";
import { stubFetch } from "../../../frontend-shared/src/test/fetchStub";
import { renderInApp } from "../../../frontend-shared/src/test/renderAt";
import { tokens, type Me } from "./api";
import { ProfilePage } from "./pages/Profile";

// The form holds a phone number to the API's rule before sending: 7 to 15 digits, spaces and dashes not counted
// ("1------" passed the old pattern and the API stored "1").
const renderAt = renderInApp("/auth/");
const fetchMock = stubFetch();
const me: Me = { id: "u1", email: "a@example.com", displayName: null, phoneNumber: null, emailVerified: true, mfaEnabled: false, roles: ["user"], createdAt: "2026-01-01T00:00:00Z" };
const patches = () => fetchMock.mock.calls.filter(([, init]) => (init as RequestInit | undefined)?.method === "PATCH");
const patchBody = (index = 0) => JSON.parse(patches()[index][1].body as string) as Record<string, unknown>;
const answerMe = (stored: Me) =>
  fetchMock.mockImplementation(async (_url: string, init: RequestInit) =>
    init.method === "PATCH" ? json(200, { ...stored, ...JSON.parse(init.body as string) }) : json(200, stored));

beforeEach(() => {
  tokens.clear();
  answerMe(me);
});

describe("profile phone number", () => {
  it.each(["1------", "+1 2 3 4 5 6", "1234 5678 9012 3456"])("refuses %s before sending", async (phone) => {
    renderAt("/auth/", <ProfilePage />);
    await userEvent.type(await screen.findByLabelText("Phone number"), phone);
    await userEvent.click(screen.getByRole("button", { name: "Save profile" }));
    expect(await screen.findByText(/Enter a phone number like .* 7 to 15 digits/)).toBeInTheDocument();
    expect(patches()).toHaveLength(0);
  });

  it.each([["+683 1234"], ["+62 812-3456-7890"]])("sends %s", async (phone) => {
    renderAt("/auth/", <ProfilePage />);
    await userEvent.type(await screen.findByLabelText("Phone number"), phone);
    await userEvent.click(screen.getByRole("button", { name: "Save profile" }));
    await screen.findByText("Your profile was saved.");
    await waitFor(() => expect(patches()).toHaveLength(1));
    expect(JSON.parse(patches()[0][1].body as string).phoneNumber).toBe(phone);
  });
});

// The form sends only what the user changed (PATCH: an absent field stays). A stored phone number no configured key
// opens reads as null (docs/auth.md, "Profile encryption"): sending that null back would clear it for good.
describe("profile saves only what changed", () => {
  it("keeps a phone number the API could not read when only the display name changes", async () => {
    renderAt("/auth/", <ProfilePage />);
    await userEvent.type(await screen.findByLabelText("Display name"), "Budi");
    await userEvent.click(screen.getByRole("button", { name: "Save profile" }));
    await screen.findByText("Your profile was saved.");
    expect(patches()).toHaveLength(1);
    expect(patchBody()).toEqual({ displayName: "Budi" });
    expect(patchBody()).not.toHaveProperty("phoneNumber");
  });

  it("clears a loaded phone number the user empties, and leaves the display name out", async () => {
    answerMe({ ...me, displayName: "Budi", phoneNumber: "+6281234567890" });
    renderAt("/auth/", <ProfilePage />);
    const phone = await screen.findByLabelText("Phone number");
    await waitFor(() => expect(phone).toHaveValue("+6281234567890"));
    await userEvent.clear(phone);
    await userEvent.click(screen.getByRole("button", { name: "Save profile" }));
    await screen.findByText("Your profile was saved.");
    expect(patchBody()).toEqual({ phoneNumber: null });
  });

  it("saves the display name beside a number stored before the phone rule, which it does not check again", async () => {
    answerMe({ ...me, phoneNumber: "1" });
    renderAt("/auth/", <ProfilePage />);
    await waitFor(() => expect(screen.getByLabelText("Phone number")).toHaveValue("1"));
    await userEvent.type(screen.getByLabelText("Display name"), "Budi");
    await userEvent.click(screen.getByRole("button", { name: "Save profile" }));
    await screen.findByText("Your profile was saved.");
    expect(patchBody()).toEqual({ displayName: "Budi" });
  });

  it("sends nothing when nothing changed, and says so", async () => {
    answerMe({ ...me, displayName: "Budi", phoneNumber: "+6281234567890" });
    renderAt("/auth/", <ProfilePage />);
    const name = await screen.findByLabelText("Display name");
    await waitFor(() => expect(name).toHaveValue("Budi"));
    // Spaces around a value are not a change: the form sends values trimmed.
    await userEvent.type(name, " ");
    await userEvent.click(screen.getByRole("button", { name: "Save profile" }));
    expect(await screen.findByText("Nothing to save: you have not changed your profile.")).toBeInTheDocument();
    expect(screen.queryByText("Your profile was saved.")).not.toBeInTheDocument();
    expect(patches()).toHaveLength(0);
  });
});
