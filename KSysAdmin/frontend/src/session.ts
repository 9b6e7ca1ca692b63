import { useSyncExternalStore } from "react";
import type { TokenPair } from "@kservices/shared";
import { adminRoles, tokens } from "./api";

// signedOut: no admin yet (or signed out); active: the token works; expired: the token ended or was refused
// while the admin stayed on a page, which keeps its state until they sign in again.
export type SessionStatus = "signedOut" | "active" | "expired";

// The admin the console is signed in as (their normalised email), kept after the token is gone.
let account: string | null = null;
const listeners = new Set<() => void>();

const normaliseEmail = (email: string) => email.trim().toLowerCase();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  const unsubscribeTokens = tokens.subscribe(listener);
  return () => {
    listeners.delete(listener);
    unsubscribeTokens();
  };
}

function emit(): void {
  for (const listener of listeners) listener();
}

export function sessionStatus(): SessionStatus {
  if (account === null) return "signedOut";
  return tokens.isSignedIn() ? "active" : "expired";
}

// Keeps the new token and roles; true when they belong to another admin than the session before.
export function startSession(email: string, pair: TokenPair & { roles?: string[] }): boolean {
  const next = normaliseEmail(email);
  const changed = account !== null && account !== next;
  account = next;
  adminRoles.set(pair.roles);
  tokens.setTokens(pair);
  emit();
  return changed;
}

export function endSession(): void {
  account = null;
  adminRoles.set([]);
  tokens.clear();
  emit();
}

export function useSessionStatus(): SessionStatus {
  return useSyncExternalStore(subscribe, sessionStatus);
}

export function useSessionAccount(): string | null {
  return useSyncExternalStore(subscribe, () => account);
}

// Whether `user` is the signed-in admin: the token's subject (their id), else the email they signed in with.
export function isSignedInAdmin(user: { id: string; email: string }): boolean {
  const subject = tokens.getSubject();
  return subject ? subject === user.id : account !== null && account === normaliseEmail(user.email);
}
