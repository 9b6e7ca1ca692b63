import { beforeEach, vi, type Mock } from "vitest";

// A component test file's fetch: one mock in place of the global fetch, reset before every test (no calls, no
// queued answers), so each test starts as with a fresh vi.fn().
export function stubFetch(): Mock {
  const fetchMock = vi.fn();
  beforeEach(() => {
    fetchMock.mockReset();
    vi.stubGlobal("fetch", fetchMock);
  });
  return fetchMock;
}
