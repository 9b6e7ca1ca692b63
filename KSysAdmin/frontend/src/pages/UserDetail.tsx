import { useEffect, useRef, useState } from "react";
import { Card, ConfirmButton, ErrorMessage, Link, Notice, Spinner, TableWrap, formatDateTime, formatRupiah, isApiError, isTransient, serverClock, useAction, useLoad } from "@kservices/shared";
import { adminApi, adminRoles, ROLES, type UserStatus } from "../api";
import { UserStatusBadge, isDeleted, userName } from "../userStatus";

// What ending a sign-in lockout lets the user do: a disabled or unverified account still cannot sign in.
function afterLockout(status: UserStatus): string {
  if (status === "disabled") return "The account stays disabled: they can sign in only once an admin enables it.";
  if (status === "pending_verification") return "They can sign in once they verify their email address.";
  return "They can sign in again at once.";
}

export function UserDetailPage({ id }: { id: string }) {
  const user = useLoad(() => adminApi.user(id), [id]);
  const [notice, setNotice] = useState<string | null>(null);
  // The roles ticked but not saved yet: null shows the server's. A reload (after an action) does not undo them.
  const [editedRoles, setEditedRoles] = useState<string[] | null>(null);
  // After an action its button may be disabled or gone: focus goes to the notice, else the heading.
  const noticeRef = useRef<HTMLDivElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const focusAfter = [noticeRef, headingRef];

  // endLockout: an unlock of an account that is not locked by an admin, which ends its lockout from failed sign-ins.
  const act = useAction(async (action: "lock" | "unlock" | "endLockout" | "disable" | "enable" | "revoke" | "resetMfa") => {
    setNotice(null);
    if (action === "revoke") await adminApi.revokeSessions(id);
    else if (action === "resetMfa") await adminApi.resetMfa(id);
    else await adminApi.userAction(id, action === "endLockout" ? "unlock" : action);
    setNotice(action === "revoke" ? "All sessions of this user were revoked."
      : action === "resetMfa" ? "Two-factor authentication was turned off and all sessions were revoked."
      : action === "endLockout" ? "The sign-in lockout was ended."
      : `User ${action === "lock" ? "locked" : action === "unlock" ? "unlocked" : action === "disable" ? "disabled" : "enabled"}.`);
    user.reload();
  }, { focusAfter });
  // PUT roles is superadmin-only on the server; plain admins do not see the editor (the server still decides).
  const canEditRoles = adminRoles.get().includes("superadmin");
  const saveRoles = useAction(async (roles: string[]) => {
    setNotice(null);
    const saved = await adminApi.setRoles(id, roles);
    if (user.data) user.setData({ ...user.data, ...saved });
    setEditedRoles(null);
    setNotice("Roles saved.");
    user.reload();
  }, { focusAfter });
  // The user deleted the account meanwhile (409 account_deleted): reloaded, the page shows it deleted.
  const reloadUser = user.reload;
  useEffect(() => {
    if ([act.error, saveRoles.error].some((error) => isApiError(error) && error.code === "account_deleted")) reloadUser();
  }, [act.error, saveRoles.error, reloadUser]);

  if (user.loading && !user.data) return <Spinner />;
  if (user.error && !user.data) return <Card title="User"><ErrorMessage error={user.error} overrides={{ not_found: "No user with this id." }} onRetry={isTransient(user.error) ? user.reload : undefined} /></Card>;
  const data = user.data!;
  const status = data.status;
  const deleted = isDeleted(data);
  const lockedOut = status !== "locked" && !!data.lockedUntil && Date.parse(data.lockedUntil) > serverClock.now();
  const roles = editedRoles ?? data.roles;
  return (
    <>
      <Card title={userName(data)} headingRef={headingRef}>
        {notice ? <Notice ref={noticeRef}>{notice}</Notice> : null}
        <ErrorMessage error={user.error} lead="Reloading the user failed, so the details below may be out of date:" />
        <ErrorMessage error={act.error} overrides={{ mfa_not_enabled: "Two-factor authentication is already off.", cannot_target_self: "You cannot do this to your own account.", insufficient_role: "Only a superadmin can manage an admin's account.", session_keys_not_removed: "Done, but Redis could not be updated: press Revoke all sessions to end the sessions now." }} />
        <dl className="details">
          <dt>Status</dt><dd><UserStatusBadge user={data} testId="user-status" /></dd>
          {data.deletedAt ? (<><dt>Deleted</dt><dd>{formatDateTime(data.deletedAt)}</dd></>) : null}
          <dt>Id</dt><dd className="mono">{data.id}</dd>
          <dt>Roles</dt><dd data-testid="user-roles">{data.roles.join(", ") || "none"}</dd>
          {data.displayName ? (<><dt>Display name</dt><dd>{data.displayName}</dd></>) : null}
          <dt>Email verified</dt><dd>{data.emailVerifiedAt ? formatDateTime(data.emailVerifiedAt) : "No"}</dd>
          <dt>Two-factor</dt><dd>{data.mfaEnabled ? "Enabled" : "Off"}</dd>
          {data.lockedUntil ? (<><dt>Locked until</dt><dd>{formatDateTime(data.lockedUntil)}</dd></>) : null}
          <dt>Created</dt><dd>{formatDateTime(data.createdAt)}</dd>
          {data.paymentSummary ? (
            <><dt>Payments</dt><dd>{data.paymentSummary.total} total{data.paymentSummary.byStatus && Object.keys(data.paymentSummary.byStatus).length ? ` (${Object.entries(data.paymentSummary.byStatus).map(([k, v]) => `${v} ${k}`).join(", ")})` : ""}{data.paymentSummary.paidAmount !== undefined ? `, ${formatRupiah(data.paymentSummary.paidAmount)} paid` : ""} · <Link to={`/payments?userId=${data.id}`}>browse</Link></dd></>
          ) : null}
        </dl>
        <h2>Actions</h2>
        {deleted ? (
          <>
            <p data-testid="deleted-account">The user deleted this account: its email, name and phone number are erased, its payments and audit entries are kept, and it can no longer be changed.</p>
            <ErrorMessage error={saveRoles.error} />
          </>
        ) : (
          <>
            <div className="actions">
              {status === "locked" ? (
                <ConfirmButton className="button" disabled={act.busy} aria-busy={act.busy} title="Unlock this account?" message={`Unlock ${data.email}? They can sign in again at once.`} confirmLabel="Unlock account" onConfirm={() => void act.run("unlock")}>Unlock</ConfirmButton>
              ) : (
                <ConfirmButton className="button" disabled={act.busy || status === "disabled"} aria-busy={act.busy} title="Lock this account?" message={`Lock ${data.email}? All their sessions end.`} confirmLabel="Lock account" destructive onConfirm={() => void act.run("lock")}>Lock</ConfirmButton>
              )}
              {lockedOut ? (
                <ConfirmButton className="button" disabled={act.busy} aria-busy={act.busy} title="End the sign-in lockout?" message={`End the lockout of ${data.email} after failed sign-ins? ${afterLockout(status)}`} confirmLabel="End lockout" onConfirm={() => void act.run("endLockout")}>End lockout</ConfirmButton>
              ) : null}
              {status === "disabled" ? (
                <ConfirmButton className="button" disabled={act.busy} aria-busy={act.busy} title="Enable this account?" message={`Enable ${data.email}? They can sign in again.`} confirmLabel="Enable account" onConfirm={() => void act.run("enable")}>Enable</ConfirmButton>
              ) : (
                <ConfirmButton className="button button-danger" disabled={act.busy} aria-busy={act.busy} title="Disable this account?" message={`Disable ${data.email}? They cannot sign in until an admin enables the account, and all their sessions end.`} confirmLabel="Disable account" destructive onConfirm={() => void act.run("disable")}>Disable</ConfirmButton>
              )}
              <ConfirmButton className="button" disabled={act.busy} aria-busy={act.busy} title="Revoke all sessions?" message={`End all sessions of ${data.email}? They have to sign in again.`} confirmLabel="Revoke all sessions" destructive onConfirm={() => void act.run("revoke")}>Revoke all sessions</ConfirmButton>
              {data.mfaEnabled ? (
                <ConfirmButton className="button button-danger" disabled={act.busy} aria-busy={act.busy} title="Reset two-factor authentication?" message={`Turn off two-factor authentication for ${data.email}? Their recovery codes are deleted and all their sessions end.`} confirmLabel="Reset two-factor" destructive onConfirm={() => void act.run("resetMfa")}>Reset two-factor</ConfirmButton>
              ) : null}
            </div>
            {canEditRoles ? (
              <>
                <h2>Roles</h2>
                <ErrorMessage error={saveRoles.error} overrides={{ permission_denied: "Only a superadmin can change roles.", insufficient_role: "Only a superadmin can change roles.", conflict: "The last superadmin cannot be demoted." }} />
                <fieldset className="actions">
                  <legend className="muted">Roles</legend>
                  {ROLES.map((role) => (
                    <label key={role} className="checkbox">
                      <input type="checkbox" checked={roles.includes(role)} onChange={(event) => setEditedRoles(event.target.checked ? [...roles, role] : roles.filter((r) => r !== role))} />
                      {role}
                    </label>
                  ))}
                  <ConfirmButton className="button" disabled={saveRoles.busy || roles.length === 0} aria-busy={saveRoles.busy} aria-describedby={roles.length === 0 ? "roles-needed" : undefined} title="Save roles?" message={`Set the roles of ${data.email} to ${roles.join(", ")}?`} confirmLabel="Save roles" onConfirm={() => void saveRoles.run(roles)}>Save roles</ConfirmButton>
                  {roles.length === 0 ? <p id="roles-needed" className="muted">An account keeps at least one role.</p> : null}
                </fieldset>
              </>
            ) : null}
          </>
        )}
      </Card>
      {data.sessions ? (
        <Card title="Sessions" subsection>
          {data.sessions.length === 0 ? <p className="muted">No open sessions.</p> : (
            <TableWrap label="Sessions"><table>
              <thead><tr><th scope="col">Device</th><th scope="col">IP</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Revoked</th></tr></thead>
              <tbody>{data.sessions.map((s) => (
                <tr key={s.id}><td title={s.deviceFingerprint ?? undefined}>{s.userAgent ?? "-"}</td><td className="mono">{s.ip ?? "-"}</td><td>{formatDateTime(s.createdAt)}</td><td>{formatDateTime(s.lastUsedAt)}</td><td>{s.revokedAt ? `${formatDateTime(s.revokedAt)}${s.revokedReason ? ` (${s.revokedReason})` : ""}` : "-"}</td></tr>
              ))}</tbody>
            </table></TableWrap>
          )}
        </Card>
      ) : null}
      {data.recentAudit ? (
        <Card title="Recent audit entries" subsection>
          <TableWrap label="Recent audit entries"><table>
            <thead><tr><th scope="col">When</th><th scope="col">Action</th><th scope="col">Outcome</th><th scope="col">IP</th></tr></thead>
            <tbody>{data.recentAudit.map((a) => (
              <tr key={a.id}><td>{formatDateTime(a.createdAt)}</td><td>{a.action}</td><td>{a.outcome}</td><td className="mono">{a.ip ?? "-"}</td></tr>
            ))}</tbody>
          </table></TableWrap>
          <p><Link to={`/audit?targetType=user&targetId=${data.id}`}>All audit entries for this user</Link></p>
        </Card>
      ) : null}
    </>
  );
}
