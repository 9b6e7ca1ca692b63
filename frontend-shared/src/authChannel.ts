// The tabs of one browser share the session cookie: they tell each other when a user signs in or out, so no tab
// keeps showing (or saving for) a user who is no longer the one the cookie belongs to.

export type AuthMessage = { type: "signed-out" } | { type: "signed-in"; subject: string };

export interface AuthChannel {
  post(message: AuthMessage): void;
  listen(listener: (message: AuthMessage) => void): void;
}

const CHANNEL_NAME = "kservices-auth";

function isAuthMessage(data: unknown): data is AuthMessage {
  const message = data as Partial<{ type: unknown; subject: unknown }> | null;
  if (message?.type === "signed-out") return true;
  return message?.type === "signed-in" && typeof message.subject === "string";
}

// null where BroadcastChannel is missing: each tab then relies on the subject check of its own refreshes.
export function openAuthChannel(): AuthChannel | null {
  if (typeof BroadcastChannel === "undefined") return null;
  const channel = new BroadcastChannel(CHANNEL_NAME);
  return {
    post: (message) => channel.postMessage(message),
    listen: (listener) =>
      channel.addEventListener("message", (event: MessageEvent<unknown>) => {
        if (isAuthMessage(event.data)) listener(event.data);
      }),
  };
}
