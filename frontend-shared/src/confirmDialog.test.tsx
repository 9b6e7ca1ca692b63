import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfirmButton } from "./confirmDialog";

function renderDisable(onConfirm: () => void, destructive = true) {
  render(
    <ConfirmButton className="button" title="Disable this account?" message="Disable ann@example.com? They cannot sign in." confirmLabel="Disable account" destructive={destructive} onConfirm={onConfirm}>
      Disable
    </ConfirmButton>,
  );
  return screen.getByRole("button", { name: "Disable" });
}

describe("ConfirmButton", () => {
  it("asks in a labelled dialog, starts on Cancel, and runs the action once when confirmed", async () => {
    const onConfirm = vi.fn();
    const opener = renderDisable(onConfirm);
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    await userEvent.click(opener);
    const dialog = screen.getByRole("alertdialog", { name: "Disable this account?" });
    expect(dialog).toHaveAttribute("aria-modal", "true");
    expect(dialog).toHaveAccessibleDescription("Disable ann@example.com? They cannot sign in.");
    expect(screen.getByRole("button", { name: "Cancel" })).toHaveFocus();
    expect(onConfirm).not.toHaveBeenCalled();
    const confirm = screen.getByRole("button", { name: "Disable account" });
    expect(confirm).toHaveClass("button-danger");
    await userEvent.click(confirm);
    expect(onConfirm).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(opener).toHaveFocus();
  });

  it("runs nothing when cancelled and gives focus back to its button", async () => {
    const onConfirm = vi.fn();
    const opener = renderDisable(onConfirm);
    await userEvent.click(opener);
    await userEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(opener).toHaveFocus();
    expect(onConfirm).not.toHaveBeenCalled();
  });

  it("runs nothing on Escape and gives focus back to its button", async () => {
    const onConfirm = vi.fn();
    const opener = renderDisable(onConfirm);
    await userEvent.click(opener);
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(opener).toHaveFocus();
    expect(onConfirm).not.toHaveBeenCalled();
  });

  it("starts on the confirm button when the action is not destructive", async () => {
    const onConfirm = vi.fn();
    await userEvent.click(renderDisable(onConfirm, false));
    const confirm = screen.getByRole("button", { name: "Disable account" });
    expect(confirm).toHaveFocus();
    expect(confirm).toHaveClass("button-primary");
    await userEvent.keyboard("{Enter}");
    expect(onConfirm).toHaveBeenCalledTimes(1);
  });
});

describe("ConfirmDialog in a browser with showModal", () => {
  const proto = HTMLDialogElement.prototype as { showModal?: () => void; close?: () => void };
  afterEach(() => {
    delete proto.showModal;
    delete proto.close;
  });

  it("opens as a modal and closes the modal when answered", async () => {
    proto.showModal = vi.fn(function (this: HTMLDialogElement) {
      this.setAttribute("open", "");
    });
    proto.close = vi.fn(function (this: HTMLDialogElement) {
      this.removeAttribute("open");
    });
    const onConfirm = vi.fn();
    await userEvent.click(renderDisable(onConfirm));
    expect(proto.showModal).toHaveBeenCalledTimes(1);
    expect(screen.getByRole("alertdialog")).toHaveAttribute("open");
    await userEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(proto.close).toHaveBeenCalledTimes(1);
    expect(onConfirm).not.toHaveBeenCalled();
  });
});
