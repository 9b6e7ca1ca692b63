import { act, renderHook, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { useLoad } from "./components";

// A loader whose answers the test gives by hand, one per call.
function manualLoader() {
  const answers: Array<{ resolve: (value: string) => void; reject: (error: unknown) => void }> = [];
  const load = () => new Promise<string>((resolve, reject) => answers.push({ resolve, reject }));
  return { load, answers };
}

describe("useLoad", () => {
  it("shows no old data or error while new inputs load, and no old data after they fail", async () => {
    const { load, answers } = manualLoader();
    const hook = renderHook(({ filter }) => useLoad(load, [filter]), { initialProps: { filter: "all" } });
    await act(async () => answers[0].resolve("all rows"));
    expect(hook.result.current).toMatchObject({ data: "all rows", loading: false, error: null });

    hook.rerender({ filter: "paid" });
    expect(hook.result.current).toMatchObject({ data: null, loading: true, error: null });
    await act(async () => answers[1].reject(new Error("503")));
    expect(hook.result.current).toMatchObject({ data: null, loading: false });
    expect(hook.result.current.error).toEqual(new Error("503"));

    // Back to inputs whose data is gone: nothing old shows there either.
    hook.rerender({ filter: "all" });
    expect(hook.result.current).toMatchObject({ data: null, loading: true, error: null });
  });

  it("keeps the data through a reload with the same inputs, and next to the error when the reload fails", async () => {
    const { load, answers } = manualLoader();
    const hook = renderHook(() => useLoad(load, ["u1"]));
    await act(async () => answers[0].resolve("active"));
    act(() => hook.result.current.reload());
    expect(hook.result.current).toMatchObject({ data: "active", loading: true });
    await act(async () => answers[1].reject(new Error("down")));
    expect(hook.result.current).toMatchObject({ data: "active", loading: false });
    expect(hook.result.current.error).toEqual(new Error("down"));

    act(() => hook.result.current.reload());
    expect(hook.result.current.error).toBeNull();
    await act(async () => answers[2].resolve("locked"));
    await waitFor(() => expect(hook.result.current).toMatchObject({ data: "locked", loading: false, error: null }));
  });

  it("takes data set by the page for the current inputs", async () => {
    const { load, answers } = manualLoader();
    const hook = renderHook(() => useLoad(load, ["p1"]));
    await act(async () => answers[0].resolve("pending"));
    act(() => hook.result.current.setData("paid"));
    expect(hook.result.current).toMatchObject({ data: "paid", loading: false });
  });
});
