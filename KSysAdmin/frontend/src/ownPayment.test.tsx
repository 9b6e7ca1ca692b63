import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { envelope, json } from "../../../frontend-shared/src/test/responses";
import { adminPageTests, renderAt } from "./adminPageTests";
import { tokens } from "./api";
import { payment, serveDetail } from "./paymentDetailStubs";
import { PaymentDetailPage } from "./pages/PaymentDetail";

// The payment detail's refusals in an admin's words: the admin's own payment (409 cannot_target_self) and none found.
const fetchMock = adminPageTests();

const OWN = "This is your own payment: another admin has to resolve its flag.";
// A JWT-shaped admin token for user `sub` (the console reads the claim, the server checks it).
const signInAs = (sub: string) => tokens.setTokens({ accessToken: `h.${btoa(JSON.stringify({ sub })).replace(/=+$/, "")}.s`, expiresIn: 900 });

describe("payment detail refusals", () => {
  it("offers no Resolve flag on the signed-in admin's own payment, and says why", async () => {
    signInAs("u1");
    serveDetail(fetchMock, { payment: [json(200, payment)] });
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    expect(await screen.findByText("Flagged for review: late payment: refund")).toBeInTheDocument();
    expect(screen.getByText(OWN)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Resolve flag" })).not.toBeInTheDocument();
  });

  it("says the payment is the admin's own when the API refuses the resolve so", async () => {
    signInAs("admin-9");
    serveDetail(fetchMock, { payment: [json(200, payment)], resolve: [json(409, envelope("cannot_target_self"))] });
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    await userEvent.click(await screen.findByRole("button", { name: "Resolve flag" }));
    const dialog = screen.getByRole("alertdialog");
    await userEvent.type(within(dialog).getByLabelText("Resolution note"), "checked");
    await userEvent.click(within(dialog).getByRole("button", { name: "Resolve flag" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(OWN);
  });

  it("says no payment has this id, not that it is someone else's", async () => {
    serveDetail(fetchMock, { payment: [json(404, envelope("payment_not_found"))] });
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    expect(await screen.findByRole("alert")).toHaveTextContent("No payment with this id.");
    expect(screen.getByRole("alert")).not.toHaveTextContent(/not yours/);
  });
});
