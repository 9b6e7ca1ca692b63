import type { RateLimitRule } from "./api";

// A rule as the editor holds it: the numbers as typed.
export interface RuleValues {
  scope: "ip" | "user";
  limit: string;
  windowSeconds: string;
  failMode: "open" | "closed";
  enabled: boolean;
}

// The defaults come unscaled from the admin API: the gateway multiplies their limits by its own setting.
const SCALE_NOTE = "before the gateway's scale";

function requests(rule: RateLimitRule): string {
  return `${rule.limit} ${rule.limit === 1 ? "request" : "requests"} per ${rule.windowSeconds} s`;
}

function whole(text: string): number | null {
  return /^\d+$/.test(text) && Number(text) > 0 ? Number(text) : null;
}

export function describeDefault(base: RateLimitRule): string {
  const scope = base.scope === "ip" ? "per IP" : "per user";
  const failMode = base.failMode === "closed" ? "refused while Redis is down" : "allowed while Redis is down";
  return `Default: ${requests(base)} ${scope}, ${failMode} (${SCALE_NOTE}).`;
}

// Where a rule lets through more than its group's built-in default, what to say next to the field: a higher rate
// (limit per window second), a higher limit at the same or a lower rate (a bigger burst at once: a longer window),
// open where the default is closed, or off where the default is on. Nothing for a rule as strict or stricter, nor
// for numbers the form refuses anyway.
export function looserThanDefault(rule: RuleValues, base: RateLimitRule): { limit?: string; failMode?: string; enabled?: string } {
  const warnings: { limit?: string; failMode?: string; enabled?: string } = {};
  const limit = whole(rule.limit);
  const seconds = whole(rule.windowSeconds);
  if (limit !== null && seconds !== null && limit * base.windowSeconds > base.limit * seconds) {
    warnings.limit = `Looser than the default of ${requests(base)} (${SCALE_NOTE}): this rule lets more requests through.`;
  } else if (limit !== null && seconds !== null && limit > base.limit) {
    warnings.limit = `Looser than the default of ${requests(base)} (${SCALE_NOTE}): this rule lets up to ${limit} requests through at once.`;
  }
  if (rule.failMode === "open" && base.failMode === "closed") {
    warnings.failMode = `Looser than the default: ${base.routeGroup} refuses requests while Redis is down, and "Allow (open)" lets them through unlimited.`;
  }
  if (!rule.enabled && base.enabled) {
    warnings.enabled = `Looser than the default: a disabled rule leaves ${base.routeGroup} without any limit.`;
  }
  return warnings;
}

// A new rule takes its group's default whole, so the editor starts from the gateway's own values.
export function fromDefault(base: RateLimitRule): RuleValues {
  return { scope: base.scope, limit: String(base.limit), windowSeconds: String(base.windowSeconds), failMode: base.failMode, enabled: base.enabled };
}
