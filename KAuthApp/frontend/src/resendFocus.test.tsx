import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { json, envelope } from "../../../frontend-shared/src/test/responses";
import { stubFetch } from "../../../frontend-shared/src/test/fetchStub";
import { applyFocusFixup } from "../../../frontend-shared/src/test/focusFixup";
import { renderInApp } from "../../../frontend-shared/src/test/renderAt";
import { tokens } from "./api";
import { LoginPage } from "./pages/Login";
import { VerifyEmailPage } from "./pages/VerifyEmail";

// Asking for a new verification link disables its button while the request runs, and a sent link replaces the button or
// form with a notice: either way focus would fall to <body>. Once the request has settled it is on the page's answer.
const renderAt = renderInApp("/auth/");

const fetchMock = stubFetch();
applyFocusFixup();
beforeEach(() => {
  tokens.clear();
});

async function resendFromLogin(answer: Response) {
  fetchMock.mockResolvedValueOnce(json(403, envelope("email_not_verified"))).mockResolvedValueOnce(answer);
  renderAt("/auth/login", <LoginPage />);
  await userEvent.type(screen.getByLabelText("Email"), "a@example.com");
  await userEvent.type(screen.getByLabelText("Password"), "secret-password");
  await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
  await userEvent.click(await screen.findByRole("button", { name: "Send a new verification link" }));
}

async function resendFromVerifyPage(answer: Response) {
  fetchMock.mockResolvedValueOnce(answer);
  renderAt("/auth/verify-email", <VerifyEmailPage />);
  await userEvent.type(screen.getByLabelText("Email"), "a@example.com");
  await userEvent.click(screen.getByRole("button", { name: "Send a new link" }));
}

describe("Send a new verification link, on the sign-in page", () => {
  it("focuses the notice that replaces the button once the link is sent", async () => {
    await resendFromLogin(json(202, {}));
    const notice = await screen.findByText(/a new verification link is on its way/);
    await waitFor(() => expect(notice).toHaveFocus());
    expect(document.activeElement).not.toBe(document.body);
  });

  it("gives focus back to the button when sending fails, the error shown", async () => {
    await resendFromLogin(json(503, envelope("service_unavailable")));
    await waitFor(() => expect(screen.getAllByRole("alert")).toHaveLength(2));
    const button = screen.getByRole("button", { name: "Send a new verification link" });
    expect(button).toBeEnabled();
    await waitFor(() => expect(button).toHaveFocus());
  });
});

describe("Send a new verification link, on the verify-email page", () => {
  it("focuses the notice that replaces the form once the link is sent", async () => {
    await resendFromVerifyPage(json(202, {}));
    const notice = await screen.findByText(/a new link is on its way/);
    await waitFor(() => expect(notice).toHaveFocus());
    expect(document.activeElement).not.toBe(document.body);
  });

  it("focuses the error message when sending fails", async () => {
    await resendFromVerifyPage(json(503, envelope("service_unavailable")));
    const alert = await screen.findByRole("alert");
    await waitFor(() => expect(alert).toHaveFocus());
  });
});
