import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { json } from "../../../frontend-shared/src/test/responses";
import { stubFetch } from "../../../frontend-shared/src/test/fetchStub";
import { renderInApp } from "../../../frontend-shared/src/test/renderAt";
import { tokens } from "./api";
import { ProfilePage } from "./pages/Profile";

// The form holds a phone number to the API's rule before sending: 7 to 15 digits, spaces and dashes not counted
// ("1------" passed the old pattern and the API stored "1").
const renderAt = renderInApp("/auth/");
const fetchMock = stubFetch();
const me = { id: "u1", email: "a@example.com", displayName: null, phoneNumber: null, emailVerified: true, mfaEnabled: false, roles: ["user"], createdAt: "2026-01-01T00:00:00Z" };
const patches = () => fetchMock.mock.calls.filter(([, init]) => (init as RequestInit | undefined)?.method === "PATCH");

beforeEach(() => {
  tokens.clear();
  fetchMock.mockImplementation(async (_url: string, init: RequestInit) =>
    init.method === "PATCH" ? json(200, { ...me, ...JSON.parse(init.body as string) }) : json(200, me));
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
