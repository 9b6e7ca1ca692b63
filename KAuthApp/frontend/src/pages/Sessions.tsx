import { Card, ErrorMessage, Spinner, formatDateTime, useAction, useLoad, useRouter } from "@kservices/shared";
import { authApi, tokens } from "../api";

// A short, human name for a user agent string ("Chrome on Linux").
export function describeAgent(agent: string | null | undefined): string {
  if (!agent) return "Unknown device";
  const browser = /Edg\//.test(agent) ? "Edge" : /Firefox\//.test(agent) ? "Firefox" : /Chrom(e|ium)\//.test(agent) ? "Chrome" : /Safari\//.test(agent) ? "Safari" : null;
  const os = /Android/.test(agent) ? "Android" : /iPhone|iPad/.test(agent) ? "iOS" : /Windows/.test(agent) ? "Windows" : /Mac OS X/.test(agent) ? "macOS" : /Linux/.test(agent) ? "Linux" : null;
  if (browser && os) return `${browser} on ${os}`;
  return browser ?? os ?? agent.slice(0, 60);
}

export function SessionsPage() {
  const { navigate } = useRouter();
  const sessions = useLoad(() => authApi.sessions(), []);
  const revoke = useAction(async (id: string, current: boolean) => {
    await authApi.revokeSession(id);
    if (current) {
      tokens.clear();
      navigate("/login", { replace: true });
      return;
    }
    sessions.reload();
  });
  const logoutAll = useAction(async () => {
    await authApi.logoutAll();
    tokens.clear();
    navigate("/login", { replace: true });
  });
  return (
    <Card title="Your sessions">
      <p className="muted">Every device where you are signed in. Revoking a session signs that device out at once.</p>
      <ErrorMessage error={revoke.error ?? logoutAll.error} />
      {sessions.loading ? <Spinner /> : null}
      <ErrorMessage error={sessions.error} />
      {sessions.data ? (
        <div className="table-wrap">
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
                    <button type="button" className="button button-small" disabled={revoke.busy} onClick={() => void revoke.run(session.id, session.current)}>
                      {session.current ? "Sign out" : "Revoke"}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <h2>Sign out everywhere</h2>
      <button type="button" className="button button-danger" disabled={logoutAll.busy} onClick={() => void logoutAll.run()}>
        Sign out of all sessions
      </button>
    </Card>
  );
}
