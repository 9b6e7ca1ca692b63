import { render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { ErrorBoundary } from "./errorBoundary";
import { CrashingApp } from "./test/crashingMain";

describe("ErrorBoundary", () => {
  it("shows a reload message instead of a blank page when a child throws", () => {
    const quiet = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      render(<ErrorBoundary><p>before</p><CrashingApp /></ErrorBoundary>);
    } finally {
      quiet.mockRestore();
    }
    expect(screen.getByRole("alert")).toHaveTextContent("Something went wrong");
    expect(screen.getByRole("button", { name: "Reload" })).toBeInTheDocument();
    expect(screen.queryByText("before")).toBeNull();
  });

  it("renders its children when nothing throws", () => {
    render(<ErrorBoundary><p>fine</p></ErrorBoundary>);
    expect(screen.getByText("fine")).toBeInTheDocument();
  });
});
