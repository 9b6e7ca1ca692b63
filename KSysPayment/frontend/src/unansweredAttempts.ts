// The Idempotency-Keys of create attempts whose outcome is unknown, by a hash of the signed-in user and the body, kept
// in sessionStorage so that leaving the new-payment page (its "My payments" link, a reload) and sending the same
// details again reuses the key. sessionStorage belongs to the tab, not the user: each attempt carries a hash of its
// user, so another user signed in on the tab neither sees the warning nor reuses the key. Keys are not secrets and
// nothing else is stored. Without sessionStorage (blocked, full) they live in memory.

const STORAGE_KEY = "kservices.payment.unansweredAttempts";
// After a day the attempt's payment, if there is one, has long expired: the same details are then a new payment.
export const ATTEMPT_TTL_MS = 24 * 60 * 60 * 1000;

interface Attempt {
  key: string;
  savedAt: number;
  owner: string;
}
type Attempts = Record<string, Attempt>;

// Set once sessionStorage has failed: the attempts then live here until the page is closed.
let memory: Attempts | null = null;

// A 53-bit hash (cyrb53) of the body: the description typed is not kept in storage.
function bodyHash(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

function parse(text: string | null): Attempts {
  try {
    const parsed: unknown = JSON.parse(text ?? "{}");
    return typeof parsed === "object" && parsed !== null ? (parsed as Attempts) : {};
  } catch {
    return {};
  }
}

const ownerHash = (user: string) => bodyHash(`user\n${user}`);
const attemptHash = (user: string, body: string) => bodyHash(`${user}\n${body}`);

// The attempts saved less than ATTEMPT_TTL_MS ago; anything else (expired, malformed) is dropped.
function load(now: number): Attempts {
  let stored = memory;
  if (stored === null) {
    try {
      stored = parse(sessionStorage.getItem(STORAGE_KEY));
    } catch {
      memory = {};
      stored = memory;
    }
  }
  return Object.fromEntries(Object.entries(stored).filter(([, attempt]) =>
    typeof attempt?.key === "string" && typeof attempt.owner === "string" && typeof attempt.savedAt === "number" &&
    now - attempt.savedAt < ATTEMPT_TTL_MS));
}

function save(attempts: Attempts): void {
  if (memory === null) {
    try {
      if (Object.keys(attempts).length === 0) sessionStorage.removeItem(STORAGE_KEY);
      else sessionStorage.setItem(STORAGE_KEY, JSON.stringify(attempts));
      return;
    } catch {
      // Blocked or full: memory only from now on.
    }
  }
  memory = attempts;
}

// `user` is the signed-in user's id (the access token's `sub`).
export function unansweredKey(user: string, body: string, now = Date.now()): string | undefined {
  const attempt = load(now)[attemptHash(user, body)];
  return attempt?.owner === ownerHash(user) ? attempt.key : undefined;
}

export function hasUnanswered(user: string, now = Date.now()): boolean {
  const owner = ownerHash(user);
  return Object.values(load(now)).some((attempt) => attempt.owner === owner);
}

// An attempt whose outcome is unknown keeps its key; a known outcome forgets the body's key.
export function recordOutcome(user: string, body: string, key: string, known: boolean, now = Date.now()): void {
  const attempts = load(now);
  const hash = attemptHash(user, body);
  if (known) delete attempts[hash];
  else attempts[hash] = { key, savedAt: now, owner: ownerHash(user) };
  save(attempts);
}
