// The rate-limit editor's test data: GET/PUT settings/rate-limits answers, with some of the gateway's defaults.
export const DEFAULTS = [
  { routeGroup: "auth-login", scope: "ip", limit: 10, windowSeconds: 60, failMode: "closed", enabled: true },
  { routeGroup: "auth-register", scope: "ip", limit: 5, windowSeconds: 300, failMode: "closed", enabled: true },
  { routeGroup: "auth", scope: "user", limit: 120, windowSeconds: 60, failMode: "open", enabled: true },
  { routeGroup: "payment", scope: "user", limit: 120, windowSeconds: 60, failMode: "open", enabled: true },
];

export function rateLimits(rules: object[], version: number) {
  return { rules, version, defaults: DEFAULTS, anonymousGroups: ["auth-login", "auth-register"] };
}
