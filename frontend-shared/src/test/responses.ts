// Fetch answers for the component tests: a JSON body, and the API's error envelope.
export function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

export const envelope = (code: string, details: unknown[] = []) => ({ error: { code, message: "server", requestId: "rid-1", details } });
