// A small stand-in for the gateway and the three backends, following the contract in
// docs/frontend.md. It exists to exercise the built frontends and the browser tests before the
// real APIs land (`npm run test:browser:mock`); it is not a reference implementation.
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const APPS = { "/auth/": "KAuthApp/frontend/dist", "/payment/": "KSysPayment/frontend/dist", "/admin/": "KSysAdmin/frontend/dist" };
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png" };

function base32(bytes) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0, value = 0, out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) { out += alphabet[(value >>> (bits - 5)) & 31]; bits -= 5; }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}
function base32Decode(input) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0, value = 0; const out = [];
  for (const c of input) { value = (value << 5) | alphabet.indexOf(c); bits += 5; if (bits >= 8) { out.push((value >>> (bits - 8)) & 255); bits -= 8; } }
  return Buffer.from(out);
}
function totpAt(secret, counter) {
  const buf = Buffer.alloc(8); buf.writeBigUInt64BE(BigInt(counter));
  const d = createHmac("sha1", base32Decode(secret)).update(buf).digest();
  const o = d[d.length - 1] & 15;
  return String((d.readUInt32BE(o) & 0x7fffffff) % 1e6).padStart(6, "0");
}

export function startMockGateway({ port = 0, outbox }) {
  mkdirSync(outbox, { recursive: true });
  const users = new Map(); // email -> user
  const sessions = new Map(); // sid -> {userId, refresh, revoked}
  const access = new Map(); // token -> {sid, exp, admin}
  const oneTime = new Map(); // token -> {email, purpose}
  const payments = new Map();
  const counters = new Map();
  // The gateway's built-in rules, from the file the real gateway and admin API read (docs/adminApi.md, "defaults").
  const defaultsFile = JSON.parse(readFileSync(join(ROOT, "nginx/lua/kservices/rateLimitDefaults.json"), "utf8"));
  const { rules: defaults, anonymousGroups } = defaultsFile;
  let rateLimits = { rules: [{ routeGroup: "auth-login", scope: "ip", limit: 100, windowSeconds: 60, failMode: "open", enabled: true }], version: 1, defaults, anonymousGroups };
  let cors = { origins: ["http://localhost"], version: 1 };
  const admin = { id: randomUUID(), email: "admin@example.com", password: "Admin-Passphrase-42", status: "active", roles: ["superadmin"], mfaSecret: null, mfaEnabled: false, lastCounter: -1, createdAt: new Date().toISOString() };
  users.set(admin.email, admin);

  const err = (status, code, message, details = [], headers = {}) => ({ status, body: { error: { code, message, requestId: randomUUID(), details } }, headers });
  const ok = (body, status = 200) => ({ status, body });
  const refreshCookie = (value, maxAge = 2592000) => `kauth_refresh=${value}; Max-Age=${maxAge}; Path=/api/auth; HttpOnly; SameSite=Strict`;
  const cookieOf = (req, name) => (req.headers.cookie ?? "").split(/;\s*/).map((c) => c.split("=")).find(([k]) => k === name)?.[1] || undefined;
  const issue = (user, adminToken = false) => {
    const sid = randomUUID();
    const refresh = randomBytes(24).toString("hex");
    sessions.set(sid, { userId: user.id, email: user.email, refresh, revoked: false, createdAt: new Date().toISOString() });
    const token = randomBytes(24).toString("hex");
    access.set(token, { sid, exp: Date.now() + 900_000, admin: adminToken });
    return { accessToken: token, refreshToken: adminToken ? undefined : refresh, tokenType: "bearer", expiresIn: 900 };
  };
  const byId = (id) => [...users.values()].find((u) => u.id === id);
  const auth = (req, wantAdmin = false) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const entry = token && access.get(token);
    if (!entry) return err(401, "unauthenticated", "Authentication is required");
    if (entry.exp < Date.now()) return err(401, "invalid_token", "Token expired");
    if (entry.admin !== wantAdmin) return err(401, "invalid_token", "Wrong audience");
    const session = sessions.get(entry.sid);
    if (!session || session.revoked) return err(401, "session_revoked", "Session revoked");
    return { user: byId(session.userId), sid: entry.sid };
  };
  const sendMail = (to, subject, link) => {
    const body = `To: ${to}\r\nSubject: ${subject}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nOpen this link:\r\nhttp://localhost/auth/${link.replace("=", "=3D")}\r\n`;
    writeFileSync(join(outbox, `${Date.now()}-${randomUUID()}.eml`), body);
  };
  const rateLimited = (req, group) => {
    const rule = rateLimits.rules.find((r) => r.routeGroup === group && r.enabled);
    if (!rule) return null;
    const window = Math.floor(Date.now() / 1000 / rule.windowSeconds);
    const key = `${group}:${req.socket.remoteAddress}:${window}:${rule.limit}`;
    const count = (counters.get(key) ?? 0) + 1;
    counters.set(key, count);
    if (count > rule.limit) {
      const retry = rule.windowSeconds - (Math.floor(Date.now() / 1000) % rule.windowSeconds);
      return err(429, "rate_limited", "Too many requests", [], { "Retry-After": String(retry) });
    }
    return null;
  };
  const paymentView = (p) => ({ ...p });
  const page = (items, url) => {
    const limit = Number(url.searchParams.get("limit") ?? 20);
    const start = Number(url.searchParams.get("cursor") ?? 0);
    return { items: items.slice(start, start + limit), nextCursor: start + limit < items.length ? String(start + limit) : null };
  };

  async function handleApi(req, url, body) {
    const path = url.pathname;
    const m = (method, pattern) => {
      if (req.method !== method) return null;
      const match = new RegExp(`^${pattern.replace(/:\w+/g, "([^/]+)")}$`).exec(path);
      return match ? match.slice(1) : null;
    };
    let a;
    if (m("POST", "/api/auth/register")) {
      const details = [];
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(body.email ?? "")) details.push({ field: "email", location: "body", message: "value is not a valid email address" });
      if (typeof body.password !== "string" || body.password.length < 8) details.push({ field: "password", location: "body", message: "String should have at least 8 characters" });
      if (details.length) return err(422, "validation_failed", "The request failed validation", details);
      if (users.has(body.email.toLowerCase())) return ok({ status: "pending_verification" }, 201);
      const user = { id: randomUUID(), email: body.email.toLowerCase(), password: body.password, status: "pending_verification", roles: ["user"], displayName: body.displayName ?? null, phoneNumber: null, mfaSecret: null, mfaEnabled: false, lastCounter: -1, createdAt: new Date().toISOString() };
      users.set(user.email, user);
      const token = randomBytes(16).toString("hex");
      oneTime.set(token, { email: user.email, purpose: "verify" });
      sendMail(user.email, "Verify your email", `verify-email?token=${token}`);
      return ok({ status: "accepted" }, 202);
    }
    if (m("POST", "/api/auth/password/forgot")) {
      return ok({ status: "accepted", message: "If an account exists for this address, we sent a reset link." }, 202);
    }
    if (m("POST", "/api/auth/verify-email")) {
      const entry = oneTime.get(body.token);
      if (!entry || entry.purpose !== "verify") return err(400, "invalid_token", "Invalid or used token");
      oneTime.delete(body.token);
      users.get(entry.email).status = "active";
      return ok({ verified: true });
    }
    if (m("POST", "/api/auth/login") || m("POST", "/api/admin/auth/login")) {
      const isAdmin = path.startsWith("/api/admin");
      const limited = !isAdmin && rateLimited(req, "auth-login");
      if (limited) return limited;
      const user = users.get((body.email ?? "").toLowerCase());
      if (!user || user.password !== body.password) return err(401, "invalid_credentials", "Invalid email or password");
      if (user.status === "pending_verification") return err(403, "email_not_verified", "Verify your email first");
      if (user.status === "locked") return err(403, "account_locked", "Account locked");
      if (user.status === "disabled") return err(403, "account_disabled", "Account disabled");
      if (isAdmin && !user.roles.some((r) => r === "admin" || r === "superadmin")) return err(403, "permission_denied", "Not an admin");
      if (user.mfaEnabled) {
        if (!body.totpCode && !body.recoveryCode) return err(401, "mfa_required", "MFA code required");
        const counter = Math.floor(Date.now() / 30000);
        if (body.totpCode) {
          if (body.totpCode !== totpAt(user.mfaSecret, counter) || counter <= user.lastCounter) return err(401, "invalid_mfa_code", "Invalid code");
          user.lastCounter = counter;
        } else if (!user.recoveryCodes.includes(body.recoveryCode)) return err(401, "invalid_mfa_code", "Invalid code");
        else user.recoveryCodes = user.recoveryCodes.filter((c) => c !== body.recoveryCode);
      }
      const tokens = issue(user, isAdmin);
      return { ...ok(isAdmin ? { ...tokens, roles: user.roles } : tokens), headers: isAdmin ? {} : { "Set-Cookie": refreshCookie(tokens.refreshToken) } };
    }
    if (m("POST", "/api/auth/refresh")) {
      const presented = body.refreshToken ?? cookieOf(req, "kauth_refresh");
      const entry = [...sessions.entries()].find(([, s]) => s.refresh === presented);
      if (!entry || entry[1].revoked) return { ...err(401, "invalid_token", "Invalid refresh token"), headers: { "Set-Cookie": refreshCookie("", 0) } };
      const [sid, session] = entry;
      session.refresh = randomBytes(24).toString("hex");
      const token = randomBytes(24).toString("hex");
      access.set(token, { sid, exp: Date.now() + 900_000, admin: false });
      return { ...ok({ accessToken: token, refreshToken: session.refresh, tokenType: "bearer", expiresIn: 900 }), headers: { "Set-Cookie": refreshCookie(session.refresh) } };
    }
    if (path.startsWith("/api/auth/") || path.startsWith("/api/payment/")) {
      const who = auth(req);
      if (who.status) return who;
      const { user, sid } = who;
      if (m("POST", "/api/auth/logout")) { sessions.get(sid).revoked = true; return { status: 204, headers: { "Set-Cookie": refreshCookie("", 0) } }; }
      if (m("POST", "/api/auth/logout-all")) { for (const s of sessions.values()) if (s.userId === user.id) s.revoked = true; return { status: 204 }; }
      if (m("GET", "/api/auth/me")) return ok({ id: user.id, email: user.email, displayName: user.displayName, phoneNumber: user.phoneNumber, mfaEnabled: user.mfaEnabled, roles: user.roles, createdAt: user.createdAt });
      if (m("GET", "/api/auth/me/export")) {
        // The account's data as the auth service exports it (docs/auth.md, "Data export"); no audit log here.
        const exportedAt = new Date().toISOString();
        return {
          ...ok({
            exportedAt,
            account: { id: user.id, email: user.email, displayName: user.displayName, phoneNumber: user.phoneNumber, emailVerified: true, mfaEnabled: user.mfaEnabled, roles: user.roles, createdAt: user.createdAt },
            sessions: [...sessions.entries()].filter(([, s]) => s.userId === user.id).map(([id, s]) => ({ id, deviceFingerprint: null, userAgent: req.headers["user-agent"] ?? null, ip: "127.0.0.1", createdAt: s.createdAt, lastUsedAt: s.createdAt, revokedAt: s.revoked ? exportedAt : null, revokedReason: s.revokedReason ?? null })),
            payments: [...payments.values()].filter((p) => p.userId === user.id).map(({ id, amount, method, status, description, virtualAccountNo, createdAt, expiresAt, paidAt }) => ({ id, amount, currency: "IDR", method, status, description: description ?? null, virtualAccountNo, createdAt, expiresAt, paidAt })),
            activity: [],
            truncated: { sessions: false, payments: false, activity: false },
          }),
          headers: { "Content-Disposition": `attachment; filename="kservices-data-${exportedAt.slice(0, 10)}.json"` },
        };
      }
      if (m("PATCH", "/api/auth/me")) { user.displayName = body.displayName; user.phoneNumber = body.phoneNumber; return ok({ id: user.id, email: user.email, displayName: user.displayName, phoneNumber: user.phoneNumber, mfaEnabled: user.mfaEnabled }); }
      if (m("GET", "/api/auth/sessions")) return ok({ sessions: [...sessions.entries()].filter(([, s]) => s.userId === user.id && !s.revoked).map(([id, s]) => ({ id, deviceFingerprint: null, userAgent: req.headers["user-agent"] ?? null, ip: "127.0.0.1", createdAt: s.createdAt, lastUsedAt: s.createdAt, current: id === sid })) });
      if ((a = m("DELETE", "/api/auth/sessions/:id"))) { const s = sessions.get(a[0]); if (!s || s.userId !== user.id) return err(404, "not_found", "No such session"); s.revoked = true; return { status: 204 }; }
      if (m("POST", "/api/auth/me/delete")) {
        if (user.roles.some((r) => r === "admin" || r === "superadmin")) return err(409, "admin_account", "An admin account cannot be deleted here");
        if ([...payments.values()].some((p) => p.userId === user.id && p.status === "pending")) return err(409, "payments_pending", "Pending payments");
        if (body.password !== user.password) return err(403, "invalid_password", "Invalid password");
        if (user.mfaEnabled && body.code !== totpAt(user.mfaSecret, Math.floor(Date.now() / 30000)) && !(user.recoveryCodes ?? []).includes(body.recoveryCode)) return err(401, "invalid_mfa_code", "Invalid code");
        // Anonymized as the auth service does (docs/auth.md, "Account deletion"): the address is free again.
        users.delete(user.email);
        Object.assign(user, { email: `deleted-${user.id}@invalid`, password: null, displayName: null, phoneNumber: null, mfaEnabled: false, mfaSecret: null, recoveryCodes: [], roles: [], status: "deleted", deletedAt: new Date().toISOString() });
        users.set(user.email, user);
        for (const s of sessions.values()) if (s.userId === user.id && !s.revoked) Object.assign(s, { revoked: true, revokedReason: "account_deleted" });
        return { status: 204, headers: { "Set-Cookie": refreshCookie("", 0) } };
      }
      if (m("POST", "/api/auth/mfa/totp/setup")) { user.mfaSecret = base32(randomBytes(20)); return ok({ provisioningUri: `otpauth://totp/KServices:${encodeURIComponent(user.email)}?secret=${user.mfaSecret}&issuer=KServices` }); }
      if (m("POST", "/api/auth/mfa/totp/enable")) {
        const counter = Math.floor(Date.now() / 30000);
        if (body.code !== totpAt(user.mfaSecret, counter)) return err(400, "invalid_mfa_code", "Invalid code");
        user.lastCounter = counter; user.mfaEnabled = true;
        user.recoveryCodes = Array.from({ length: 10 }, () => randomBytes(5).toString("hex"));
        return ok({ recoveryCodes: user.recoveryCodes });
      }
      if (m("POST", "/api/payment/payments")) {
        if (!req.headers["idempotency-key"]) return err(400, "bad_request", "Idempotency-Key header is required");
        if (!Number.isInteger(body.amount) || body.amount < 10000) return err(422, "validation_failed", "The request failed validation", [{ field: "amount", location: "body", message: "Amount must be at least 10000" }]);
        const p = { id: randomUUID(), userId: user.id, amount: body.amount, method: body.method, status: "pending", description: body.description, virtualAccountNo: body.method === "briva" ? `77777${String(Math.floor(Math.random() * 1e11)).padStart(11, "0")}` : null, qrContent: body.method === "qris" ? `00020101021226610016ID.CO.BRI.WWW${randomBytes(8).toString("hex")}` : null, expiresAt: new Date(Date.now() + 3600_000).toISOString(), paidAt: null, createdAt: new Date().toISOString() };
        payments.set(p.id, p);
        return ok(paymentView(p), 201);
      }
      if (m("GET", "/api/payment/limits")) return ok({ minAmount: 10000, maxAmount: 50000000, currency: "IDR" });
      if (m("GET", "/api/payment/payments")) return ok(page([...payments.values()].filter((p) => p.userId === user.id).reverse(), url));
      if ((a = m("GET", "/api/payment/payments/:id"))) { const p = payments.get(a[0]); return p && p.userId === user.id ? ok(paymentView(p)) : err(404, "not_found", "No such payment"); }
      if ((a = m("POST", "/api/payment/payments/:id/cancel"))) { const p = payments.get(a[0]); if (!p || p.userId !== user.id) return err(404, "not_found", "No such payment"); if (p.status !== "pending") return err(409, "conflict", "Not pending"); p.status = "cancelled"; return ok(paymentView(p)); }
      if (m("POST", "/api/payment/dev/simulate-payment")) { const p = payments.get(body.paymentId); if (!p || p.userId !== user.id) return err(404, "payment_not_found", "No such payment"); p.status = "paid"; p.paidAt = new Date().toISOString(); return ok(paymentView(p)); }
      return err(404, "not_found", "No route for this path");
    }
    if (path.startsWith("/api/admin/")) {
      const who = auth(req, true);
      if (who.status) return who;
      if (m("GET", "/api/admin/stats/daily")) {
        const days = Number(url.searchParams.get("days") ?? 30);
        return ok({ days: Array.from({ length: days }, (_, i) => ({ date: new Date(Date.now() - (days - 1 - i) * 86400_000).toISOString().slice(0, 10), signups: i % 7, logins: (i * 3) % 11, failedLogins: i % 3, payments: i % 5, paidAmount: (i % 5) * 150000 })) });
      }
      if (m("GET", "/api/admin/users")) {
        const q = (url.searchParams.get("emailPrefix") ?? "").toLowerCase();
        const status = url.searchParams.get("status");
        const role = url.searchParams.get("role");
        // Deleted accounts only when asked for, by includeDeleted or their status.
        const deleted = url.searchParams.get("includeDeleted") === "true" || status === "deleted";
        const items = [...users.values()].filter((u) => u.email.startsWith(q) && (!status || u.status === status) && (!role || u.roles.includes(role)) && (deleted || u.status !== "deleted")).map(({ password: _p, mfaSecret: _s, recoveryCodes: _r, ...rest }) => rest);
        return ok(page(items, url));
      }
      if ((a = m("GET", "/api/admin/users/:id"))) { const u = byId(a[0]); if (!u) return err(404, "not_found", "No such user"); const { password: _p, mfaSecret: _s, recoveryCodes: _r, ...rest } = u; return ok({ ...rest, sessions: [...sessions.entries()].filter(([, s]) => s.userId === u.id).map(([id, s]) => ({ id, ip: "127.0.0.1", createdAt: s.createdAt, lastUsedAt: s.createdAt, revokedAt: s.revoked ? new Date().toISOString() : null, revokedReason: s.revokedReason ?? null })), paymentSummary: { total: [...payments.values()].filter((p) => p.userId === u.id).length, byStatus: {}, paidAmount: 0 }, recentAudit: [] }); }
      if ((a = m("POST", "/api/admin/users/:id/(lock|unlock|disable|enable)"))) {
        const u = byId(a[0]); if (!u) return err(404, "not_found", "No such user");
        u.status = { lock: "locked", unlock: "active", disable: "disabled", enable: "active" }[a[1]];
        if (a[1] === "lock" || a[1] === "disable") for (const s of sessions.values()) if (s.userId === u.id) s.revoked = true;
        return ok({ id: u.id, email: u.email, status: u.status, roles: u.roles });
      }
      if ((a = m("POST", "/api/admin/users/:id/sessions/revoke"))) { for (const s of sessions.values()) if (s.userId === a[0]) s.revoked = true; return { status: 204 }; }
      if ((a = m("PUT", "/api/admin/users/:id/roles"))) { const u = byId(a[0]); u.roles = body.roles; return ok({ id: u.id, email: u.email, status: u.status, roles: u.roles }); }
      if (m("GET", "/api/admin/audit-logs")) return ok({ items: [], nextCursor: null });
      if (m("GET", "/api/admin/payments")) return ok(page([...payments.values()], url));
      if ((a = m("GET", "/api/admin/payments/:id"))) { const p = payments.get(a[0]); return p ? ok({ ...p, events: [] }) : err(404, "payment_not_found", "No such payment"); }
      if (m("GET", "/api/admin/settings/cors")) return ok(cors);
      if (m("PUT", "/api/admin/settings/cors")) { if (body.version !== cors.version) return err(409, "stale_version", "Stale version"); cors = { origins: body.origins, version: cors.version + 1 }; return ok(cors); }
      if (m("GET", "/api/admin/settings/rate-limits")) return ok(rateLimits);
      if (m("PUT", "/api/admin/settings/rate-limits")) {
        if (body.version !== rateLimits.version) return err(409, "stale_version", "Stale version");
        const details = [];
        body.rules.forEach((r, i) => { if (r.limit > 10000) details.push({ field: `rules.${i}.limit`, location: "body", message: "Limit must be at most 10000" }); });
        if (details.length) return err(422, "validation_failed", "The request failed validation", details);
        rateLimits = { rules: body.rules, version: rateLimits.version + 1, defaults, anonymousGroups };
        return ok(rateLimits);
      }
      return err(404, "not_found", "No route for this path");
    }
    return err(404, "not_found", "No route for this path");
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://localhost");
    const requestId = randomUUID();
    res.setHeader("X-Request-ID", requestId);
    if (url.pathname.startsWith("/api/")) {
      let raw = "";
      for await (const chunk of req) raw += chunk;
      let body = {};
      try { body = raw ? JSON.parse(raw) : {}; } catch { body = {}; }
      const result = await handleApi(req, url, body);
      res.writeHead(result.status, { "Content-Type": "application/json", ...(result.headers ?? {}) });
      res.end(result.body === undefined ? "" : JSON.stringify(result.body));
      return;
    }
    if (url.pathname === "/") { res.writeHead(302, { Location: "/auth/" }); res.end(); return; }
    const prefix = Object.keys(APPS).find((p) => url.pathname.startsWith(p));
    if (!prefix) { res.writeHead(404, { "Content-Type": "application/json" }); res.end(JSON.stringify({ error: { code: "not_found", message: "No route", requestId, details: [] } })); return; }
    const dist = join(ROOT, APPS[prefix]);
    const rest = url.pathname.slice(prefix.length);
    let file = join(dist, normalize(rest).replace(/^(\.\.[/\\])+/, ""));
    const found = file.startsWith(dist) && existsSync(file) && !statSync(file).isDirectory();
    // As the gateway: a missing built asset, or a missing path naming a file, is a 404, not the app's index.html.
    if (!found && /^assets(\/|$)|\.\w+$/.test(rest)) { res.writeHead(404, { "Content-Type": "application/json" }); res.end(JSON.stringify({ error: { code: "not_found", message: "No route for this path", requestId, details: [] } })); return; }
    if (!found) file = join(dist, "index.html");
    res.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream", "Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff" });
    res.end(readFileSync(file));
  });
  return new Promise((done) => server.listen(port, "127.0.0.1", () => done({ server, port: server.address().port, admin })));
}
