import { useRef } from "react";
import { Card, ConfirmButton, ErrorMessage, Spinner, TableWrap, formatDateTime, useAction, useLoad, useRouter } from "@kservices/shared";
import { authApi, tokens } from "../api";

// A short, human name for a user agent string ("Chrome on Linux"). An agent named by none of these is shown as sent,
// cut to 60 characters, inside a bidi isolate (U+2068 ... U+2069): the header is not checked on input, and a
// right-to-left override in it would otherwise reverse the rest of a sentence it is put in ("Sign out ... at <ip>?").
export function describeAgent(agent: string | null | undefined): string {
  if (!agent) return "Unknown device";
  const browser = /Edg\//.test(agent) ? "Edge" : /Firefox\//.test(agent) ? "Firefox" : /Chrom(e|ium)\//.test(agent) ? "Chrome" : /Safari\//.test(agent) ? "Safari" : null;
  const os = /Android/.test(agent) ? "Android" : /iPhone|iPad/.test(agent) ? "iOS" : /Windows/.test(agent) ? "Windows" : /Mac OS X/.test(agent) ? "macOS" : /Linux/.test(agent) ? "Linux" : null;
  if (browser && os) return `${browser} on ${os}`;
  return browser ?? os ?? `\u2068${Array.from(agent).slice(0, 60).join("")}\u2069`;
}

export function SessionsPage() {
  const { navigate } = useRouter();
  const sessions = useLoad(() => authApi.sessions(), []);
  // A revoked row's button is gone and a failed action's was disabled: focus then goes to the heading.
  const headingRef = useRef<HTMLHeadingElement>(null);
  const revoke = useAction(async (id: string, current: boolean) => {
    await authApi.revokeSession(id);
    if (current) {
      tokens.endSession();
      navigate("/login", { replace: true });
      return;
    }
    sessions.reload();
  }, { focusAfter: [headingRef] });
  const logoutAll = useAction(async () => {
    await authApi.logoutAll();
    tokens.endSession();
    navigate("/login", { replace: true });
  }, { focusAfter: [headingRef] });
  return (
    <Card title="Your sessions" headingRef={headingRef}>
      <p className="muted">Every device where you are signed in. Revoking a session signs that device out at once.</p>
      <ErrorMessage error={revoke.error ?? logoutAll.error} />
      {sessions.loading ? <Spinner /> : null}
      <ErrorMessage error={sessions.error} onRetry={sessions.reload} />
      {sessions.data ? (
        <TableWrap label="Your sessions">
          <table>
            <thead>
              <tr><th scope="col">Device</th><th scope="col">IP address</th><th scope="col">Signed in</th><th scope="col">Last used</th><th scope="col"><span className="muted">Action</span></th></tr>
            </thead>
            <tbody>
              {sessions.data.map((session) => (
                <tr key={session.id}>
                  <td title={session.userAgent ?? undefined}>{describeAgent(session.userAgent)} {session.current ? <span className="badge badge-active">This device</span> : null}</td>
                  <td className="mono">{session.ip ?? "-"}</td>
                  <td>{formatDateTime(session.createdAt)}</td>
                  <td>{formatDateTime(session.lastUsedAt)}</td>
                  <td>
                    {session.current ? (
                      <ConfirmButton className="button button-small" disabled={revoke.busy} aria-busy={revoke.busy} title="Sign out of this device?" message="This session ends and you have to sign in again here." confirmLabel="Sign out" destructive onConfirm={() => void revoke.run(session.id, true)}>
                        Sign out
                      </ConfirmButton>
                    ) : (
                      <ConfirmButton className="button button-small" disabled={revoke.busy} aria-busy={revoke.busy} title="Revoke this session?" message={`Sign out ${describeAgent(session.userAgent)}${session.ip ? ` at ${session.ip}` : ""}? That device has to sign in again.`} confirmLabel="Revoke session" destructive onConfirm={() => void revoke.run(session.id, false)}>
                        Revoke
                      </ConfirmButton>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      ) : null}
      <h2>Sign out everywhere</h2>
      <ConfirmButton className="button button-danger" disabled={logoutAll.busy} aria-busy={logoutAll.busy} title="Sign out of all sessions?" message="Every device where you are signed in, this one included, is signed out and has to sign in again." confirmLabel="Sign out everywhere" destructive onConfirm={() => void logoutAll.run()}>
        Sign out of all sessions
      </ConfirmButton>
    </Card>
  );
}
