import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useRef, useState } from "react";
import { describe, expect, it, vi } from "vitest";
import { ErrorMessage, Field, SelectField, formatCountdown, useAction } from "./components";
import { Form } from "./form";
import { ConfirmButton } from "./confirmDialog";
import { ApiError } from "./errors";

describe("Field", () => {
  it("labels the input and links the error message", () => {
    render(<Field label="Email" name="email" value="" onChange={() => undefined} error="Enter your email address." />);
    const input = screen.getByLabelText("Email");
    expect(input).toHaveAttribute("aria-invalid", "true");
    expect(input).toHaveAccessibleDescription("Enter your email address.");
  });
});

describe("SelectField", () => {
  it("links its hint and its error message", () => {
    const options = [{ value: "open", label: "Allow" }, { value: "closed", label: "Refuse" }];
    render(<SelectField label="Mode" name="mode" value="open" onChange={() => undefined} options={options} hint="Looser than the default." error="Choose one." />);
    expect(screen.getByLabelText("Mode")).toHaveAccessibleDescription("Choose one. Looser than the default.");
  });
});

describe("Form", () => {
  // The second of two fields is refused on submit; the clicked button keeps focus unless the form moves it.
  function CheckedForm() {
    const [error, setError] = useState<string | undefined>();
    return (
      <Form onSubmit={() => setError("Enter your email address.")}>
        <Field label="Name" name="name" value="Ann" onChange={() => undefined} />
        <Field label="Email" name="email" value="" onChange={() => undefined} error={error} />
        <button type="submit">Save</button>
      </Form>
    );
  }

  it("moves focus to the first invalid field after a refused submit, where its error is read out", async () => {
    render(<CheckedForm />);
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    const email = screen.getByLabelText("Email");
    expect(email).toHaveFocus();
    expect(email).toHaveAccessibleDescription("Enter your email address.");
  });
});

describe("ErrorMessage", () => {
  it("renders the envelope message and unknown-field details", () => {
    const error = new ApiError({
      status: 422,
      code: "validation_failed",
      message: "x",
      details: [
        { field: "email", message: "bad email" },
        { field: "other", message: "other problem" },
      ],
    });
    render(<ErrorMessage error={error} knownFields={["email"]} />);
    const alert = screen.getByRole("alert");
    expect(alert).toHaveTextContent("Some fields need attention.");
    expect(alert).toHaveTextContent("other problem");
    expect(alert).not.toHaveTextContent("bad email");
  });

  it("renders details of any shape without crashing", () => {
    const details = [{ field: "amount", min: 1, max: 2 }, { field: { nested: true }, message: "odd field" }, { message: "no field" }];
    render(<ErrorMessage error={new ApiError({ status: 422, code: "amount_out_of_bounds", message: "x", details: details as never })} />);
    const alert = screen.getByRole("alert");
    expect(alert).toHaveTextContent("The amount is outside the allowed range.");
    expect(alert).toHaveTextContent("odd field");
    expect(alert).toHaveTextContent("no field");
  });

  it("renders the retry time for 429", () => {
    render(<ErrorMessage error={new ApiError({ status: 429, code: "rate_limited", message: "x", retryAfter: 30 })} />);
    expect(screen.getByRole("alert")).toHaveTextContent("Try again in 30 s.");
  });
});

describe("formatCountdown", () => {
  it("formats minutes and hours", () => {
    expect(formatCountdown(65_000)).toBe("1:05");
    expect(formatCountdown(3_600_000 + 61_000)).toBe("1:01:01");
    expect(formatCountdown(-1)).toBe("0:00");
  });
});

describe("ErrorMessage countdown", () => {
  it("counts the retry time down", async () => {
    vi.useFakeTimers();
    try {
      render(<ErrorMessage error={new ApiError({ status: 429, code: "rate_limited", message: "x", retryAfter: 3 })} />);
      expect(screen.getByRole("alert")).toHaveTextContent("Try again in 3 s.");
      await act(async () => {
        await vi.advanceTimersByTimeAsync(2_000);
      });
      expect(screen.getByRole("alert")).toHaveTextContent("Try again in 1 s.");
      await act(async () => {
        await vi.advanceTimersByTimeAsync(2_000);
      });
      expect(screen.getByRole("alert")).toHaveTextContent("You can try again now.");
    } finally {
      vi.useRealTimers();
    }
  });

  it("counts down until a locked account can try again", async () => {
    vi.useFakeTimers();
    try {
      render(<ErrorMessage error={new ApiError({ status: 423, code: "account_locked", message: "x", retryAfter: 65 })} />);
      expect(screen.getByRole("alert")).toHaveTextContent("This account is locked. Try again in 65 s.");
      await act(async () => {
        await vi.advanceTimersByTimeAsync(5_000);
      });
      expect(screen.getByRole("alert")).toHaveTextContent("This account is locked. Try again in 60 s.");
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("useAction focusAfter", () => {
  // A confirmed action whose button is disabled while it runs, and a heading to take focus when it ends.
  function Page({ work }: { work: () => Promise<void> }) {
    const headingRef = useRef<HTMLHeadingElement>(null);
    const action = useAction(work, { focusAfter: [headingRef] });
    return (
      <>
        <h1 ref={headingRef} tabIndex={-1}>Page</h1>
        <ConfirmButton disabled={action.busy} title="Act?" message="Really act?" confirmLabel="Act now" onConfirm={() => void action.run()}>Act</ConfirmButton>
        <input aria-label="Elsewhere" />
      </>
    );
  }

  it("focuses the target when the action ends, also after a failure", async () => {
    render(<Page work={() => Promise.reject(new Error("down"))} />);
    await userEvent.click(screen.getByRole("button", { name: "Act" }));
    await userEvent.click(screen.getByRole("button", { name: "Act now" }));
    await waitFor(() => expect(screen.getByRole("heading", { name: "Page" })).toHaveFocus());
  });

  it("leaves focus where the user put it meanwhile", async () => {
    let finish!: () => void;
    render(<Page work={() => new Promise<void>((resolve) => { finish = resolve; })} />);
    await userEvent.click(screen.getByRole("button", { name: "Act" }));
    await userEvent.click(screen.getByRole("button", { name: "Act now" }));
    const elsewhere = screen.getByRole("textbox", { name: "Elsewhere" });
    elsewhere.focus();
    await act(async () => finish());
    expect(screen.getByRole("button", { name: "Act" })).toBeEnabled();
    expect(elsewhere).toHaveFocus();
  });
});
