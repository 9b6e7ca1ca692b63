import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import { ErrorMessage, Field, Notice, SubmitButton, useAction } from "./components";
import { ApiError } from "./errors";
import { Form } from "./form";
import { serverFieldErrors } from "./index";

// A page as the apps build it: the ErrorMessage above the form, the request's answer held until answer() is called.
function SavingPage({ holdRef }: { holdRef: { answer: (error?: ApiError) => void } }) {
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [saved, setSaved] = useState(false);
  const save = useAction(
    () =>
      new Promise<void>((resolve, reject) => {
        holdRef.answer = (error) => (error ? reject(error) : resolve());
      }).then(() => setSaved(true)),
  );
  const errors = serverFieldErrors(save.error);
  return (
    <main>
      <a href="#elsewhere">Elsewhere</a>
      {saved ? <Notice>Saved.</Notice> : null}
      <ErrorMessage error={save.error} knownFields={["name", "email"]} />
      <Form onSubmit={() => void save.run()} label="Profile" error={save.error}>
        <Field label="Name" name="name" value={name} onChange={setName} error={errors.name} />
        <Field label="Email" name="email" value={email} onChange={setEmail} error={errors.email} />
        <SubmitButton busy={save.busy}>Save</SubmitButton>
      </Form>
    </main>
  );
}

async function fillAndSubmit() {
  const hold = { answer: (_?: ApiError) => {} };
  render(<SavingPage holdRef={hold} />);
  await userEvent.type(screen.getByLabelText("Name"), "Ann");
  await userEvent.type(screen.getByLabelText("Email"), "ann@example.com");
  await userEvent.click(screen.getByRole("button", { name: "Save" }));
  expect(screen.getByRole("button", { name: "Please wait..." })).toBeDisabled();
  return hold;
}

describe("Form after a failed request", () => {
  it("moves focus to the error message when the server's error names no field, keeping the values", async () => {
    const hold = await fillAndSubmit();
    hold.answer(new ApiError({ status: 503, code: "service_unavailable", message: "x" }));
    const alert = await screen.findByRole("alert");
    await waitFor(() => expect(alert).toHaveFocus());
    expect(screen.getByLabelText("Name")).toHaveValue("Ann");
    expect(screen.getByLabelText("Email")).toHaveValue("ann@example.com");
  });

  it("moves focus to the first field the server's details name", async () => {
    const hold = await fillAndSubmit();
    hold.answer(new ApiError({ status: 422, code: "validation_failed", message: "x", details: [{ field: "body.email", message: "Email taken." }] }));
    const email = screen.getByLabelText("Email");
    await waitFor(() => expect(email).toHaveFocus());
    expect(email).toHaveAccessibleDescription("Email taken.");
    expect(email).toHaveValue("ann@example.com");
  });

  it("moves focus to the error message when the named field is not on the form", async () => {
    const hold = await fillAndSubmit();
    hold.answer(new ApiError({ status: 422, code: "validation_failed", message: "x", details: [{ field: "token", message: "Expired." }] }));
    const alert = await screen.findByRole("alert");
    await waitFor(() => expect(alert).toHaveFocus());
  });

  it("does not move focus when the request succeeds", async () => {
    const hold = await fillAndSubmit();
    screen.getByLabelText("Name").focus();
    hold.answer();
    expect(await screen.findByRole("status")).toHaveTextContent("Saved.");
    expect(screen.getByLabelText("Name")).toHaveFocus();
  });

  it("leaves focus where the user put it outside the form meanwhile", async () => {
    const hold = await fillAndSubmit();
    screen.getByRole("link", { name: "Elsewhere" }).focus();
    hold.answer(new ApiError({ status: 503, code: "service_unavailable", message: "x" }));
    await screen.findByRole("alert");
    expect(screen.getByRole("link", { name: "Elsewhere" })).toHaveFocus();
  });
});
