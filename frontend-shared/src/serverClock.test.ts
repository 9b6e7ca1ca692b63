import { describe, expect, it, vi } from "vitest";
import { ApiClient } from "./api";
import { MAX_OFFSET_MS, ServerClock } from "./serverClock";
import { json } from "./test/responses";

const MINUTE = 60_000;
// An answer written at `serverTime` (its Date header), for a request sent at `sentAt` that took `roundTrip` ms.
function answer(clock: ServerClock, serverTime: number, sentAt = Date.now(), roundTrip = 100) {
  clock.record(new Date(serverTime).toUTCString(), sentAt, sentAt + roundTrip);
}

describe("ServerClock", () => {
  it("estimates the offset from the Date header's second, in the middle of the round trip", () => {
    const clock = new ServerClock();
    // Sent at 12:00:00.000, answered at 12:00:01.000 by a server 5 min ahead: it wrote the header at 12:05:00.x.
    const sentAt = Date.parse("2026-01-01T12:00:00.000Z");
    clock.record("Thu, 01 Jan 2026 12:05:00 GMT", sentAt, sentAt + 1000);
    expect(clock.offset()).toBe(5 * MINUTE);
    expect(Math.abs(clock.now() - (Date.now() + 5 * MINUTE))).toBeLessThan(50);
  });

  it("uses the browser clock without a readable Date header", () => {
    const clock = new ServerClock();
    clock.record(null, Date.now(), Date.now());
    clock.record("not a date", Date.now(), Date.now());
    expect(clock.offset()).toBe(0);
    answer(clock, Date.now() + 5 * MINUTE);
    clock.record(null, Date.now(), Date.now());
    // An answer without the header leaves the estimate as it was.
    expect(Math.abs(clock.offset() - 5 * MINUTE)).toBeLessThan(1000);
  });

  it("takes the median of the last answers, so one odd answer does not move it", () => {
    const clock = new ServerClock();
    for (let i = 0; i < 4; i++) answer(clock, Date.now() - 5 * MINUTE);
    answer(clock, Date.now() + 60 * MINUTE);
    expect(Math.abs(clock.offset() + 5 * MINUTE)).toBeLessThan(1000);
    // The last five count: the server's clock moved (or the browser's was set right), and the estimate follows.
    for (let i = 0; i < 3; i++) answer(clock, Date.now());
    expect(Math.abs(clock.offset())).toBeLessThan(1000);
  });

  it("ignores an offset beyond a day", () => {
    const clock = new ServerClock();
    answer(clock, Date.now() + MAX_OFFSET_MS + 10 * MINUTE);
    answer(clock, Date.now() - 3 * MAX_OFFSET_MS);
    expect(clock.offset()).toBe(0);
    // A clock set to local time as if UTC (7 h off in Jakarta) is corrected.
    answer(clock, Date.now() + 7 * 60 * MINUTE);
    expect(Math.abs(clock.offset() - 7 * 60 * MINUTE)).toBeLessThan(1000);
  });
});

describe("ApiClient and the server clock", () => {
  it("learns the offset from every answer, errors included", async () => {
    const clock = new ServerClock();
    const ahead = () => ({ Date: new Date(Date.now() + 5 * MINUTE).toUTCString() });
    const fetchImpl = vi.fn()
      .mockImplementationOnce(async () => json(404, { error: { code: "not_found", message: "x", details: [] } }, ahead()))
      .mockImplementationOnce(async () => json(200, {}, ahead()));
    const client = new ApiClient({ fetchImpl, clock });
    await client.get("/api/x").catch(() => undefined);
    expect(Math.abs(clock.offset() - 5 * MINUTE)).toBeLessThan(1000);
    await client.get("/api/x");
    expect(Math.abs(clock.offset() - 5 * MINUTE)).toBeLessThan(1000);
  });
});
