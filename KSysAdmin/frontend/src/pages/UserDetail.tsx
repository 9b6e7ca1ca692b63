import { useRef, useState } from "react";
import { Card, ConfirmButton, ErrorMessage, Link, Notice, Spinner, TableWrap, formatDateTime, formatRupiah, isApiError, isTransient, serverClock, useAction, useLoad } from "@kservices/shared";
import { adminApi, adminRoles, ROLES, type AdminUser, type UserStatus } from "../api";
import { isSignedInAdmin } from "../session";
import { UserStatusBadge, isDeleted, userName } from "../userStatus";

// The statuses whose lockout from failed sign-ins an unlock ends (the API's LOCKOUT_ENDABLE), and what each lets the
// user do then: an unverified account still has to verify its email address.
const SIGN_IN_AFTER: Partial<Record<UserStatus, string>> = {
  active: "They can sign in again at once.",
  pending_verification: "They can sign in once they verify their email address.",
};

// An unlock or enable returns the account to active, or to pending verification while its email is unverified
// (the API's nextStatus).
function afterRestore(user: AdminUser): string {
  return user.emailVerifiedAt ? SIGN_IN_AFTER.active! : "The account returns to pending verification: they can sign in once they verify their email address.";
}

const OWN_SESSIONS = " This is your own account: this console session ends too, and you have to sign in again.";
// The API refuses lock, unlock (and so ending a lockout), disable, enable and the two-factor reset on the caller's own
// account (409 cannot_target_self), so the page offers none of them there.
const OWN_ACCOUNT = "This is your own account: another admin has to change its status or reset its two-factor authentication.";

// The warning before the signed-in admin saves roles that take away their own console access or superadmin.
function ownRolesWarning(current: string[], next: string[]): string {
  const admin = (roles: string[]) => roles.includes("admin") || roles.includes("superadmin");
  if (admin(current) && !admin(next)) return " This is your own account: without admin or superadmin you can no longer use the admin console.";
  if (current.includes("superadmin") && !next.includes("superadmin")) return " This is your own account: without superadmin you can no longer change roles or settings.";
  return "";
}

// A failed action may still have changed the account (lock, disable and the two-factor reset commit before a 503
// session_keys_not_removed; a 409 means it changed meanwhile), so the page reloads it. A 401 or 429 was refused before
// the action ran, and its reload would be too.
function mayHaveChanged(error: unknown): boolean {
  return !isApiError(error) || (error.status !== 401 && error.status !== 429);
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

  // Runs an admin call; when it fails in a way that may have left the account changed, the user is reloaded.
  const reloadAfterFailure = async <T,>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (caught) {
      if (mayHaveChanged(caught)) user.reload();
      throw caught;
    }
  };
  // endLockout: an unlock of an account that is not locked by an admin, which ends its lockout from failed sign-ins.
  const act = useAction(async (action: "lock" | "unlock" | "endLockout" | "disable" | "enable" | "revoke" | "resetMfa") => {
    setNotice(null);
    await reloadAfterFailure(() => action === "revoke" ? adminApi.revokeSessions(id)
      : action === "resetMfa" ? adminApi.resetMfa(id)
      : adminApi.userAction(id, action === "endLockout" ? "unlock" : action));
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
    const saved = await reloadAfterFailure(() => adminApi.setRoles(id, roles));
    if (user.data) user.setData({ ...user.data, ...saved });
    setEditedRoles(null);
    setNotice("Roles saved.");
    user.reload();
  }, { focusAfter });

  if (user.loading && !user.data) return <Spinner />;
  if (user.error && !user.data) return <Card title="User"><ErrorMessage error={user.error} onRetry={isTransient(user.error) ? user.reload : undefined} /></Card>;
  const data = user.data!;
  const status = data.status;
  // Deleted by its holder (status deleted): nothing changes it. A row with only a deletion time (isDeleted) takes no
  // change either, but the API still revokes its sessions.
  const erased = status === "deleted";
  const deleted = isDeleted(data);
  const lockedOut = SIGN_IN_AFTER[status] !== undefined && !!data.lockedUntil && Date.parse(data.lockedUntil) > serverClock.now();
  const own = isSignedInAdmin(data);
  const revokeButton = <ConfirmButton className="button" disabled={act.busy} aria-busy={act.busy} title="Revoke all sessions?" message={`End all sessions of ${data.email}? They have to sign in again.${own ? OWN_SESSIONS : ""}`} confirmLabel="Revoke all sessions" destructive onConfirm={() => void act.run("revoke")}>Revoke all sessions</ConfirmButton>;
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
            <p data-testid="deleted-account">{erased
              ? "The user deleted this account: its email, name and phone number are erased, its payments and audit entries are kept, and it can no longer be changed."
              : "This account is marked deleted (it has a deletion time without the deleted status): it can no longer be changed, but its sessions can still be revoked."}</p>
            {erased ? null : <div className="actions">{revokeButton}</div>}
            <ErrorMessage error={saveRoles.error} />
          </>
        ) : (
          <>
            <div className="actions">
              {own ? null : (
                <>
                  {status === "locked" ? (
                    <ConfirmButton className="button" disabled={act.busy} aria-busy={act.busy} title="Unlock this account?" message={`Unlock ${data.email}? ${afterRestore(data)}`} confirmLabel="Unlock account" onConfirm={() => void act.run("unlock")}>Unlock</ConfirmButton>
                  ) : (
                    <ConfirmButton className="button" disabled={act.busy || status === "disabled"} aria-busy={act.busy} title="Lock this account?" message={`Lock ${data.email}? All their sessions end.`} confirmLabel="Lock account" destructive onConfirm={() => void act.run("lock")}>Lock</ConfirmButton>
                  )}
                  {lockedOut ? (
                    <ConfirmButton className="button" disabled={act.busy} aria-busy={act.busy} title="End the sign-in lockout?" message={`End the lockout of ${data.email} after failed sign-ins? ${SIGN_IN_AFTER[status]}`} confirmLabel="End lockout" onConfirm={() => void act.run("endLockout")}>End lockout</ConfirmButton>
                  ) : null}
                  {status === "disabled" ? (
                    <ConfirmButton className="button" disabled={act.busy} aria-busy={act.busy} title="Enable this account?" message={`Enable ${data.email}? ${afterRestore(data)}`} confirmLabel="Enable account" onConfirm={() => void act.run("enable")}>Enable</ConfirmButton>
                  ) : (
                    <ConfirmButton className="button button-danger" disabled={act.busy} aria-busy={act.busy} title="Disable this account?" message={`Disable ${data.email}? They cannot sign in until an admin enables the account, and all their sessions end.`} confirmLabel="Disable account" destructive onConfirm={() => void act.run("disable")}>Disable</ConfirmButton>
                  )}
                </>
              )}
              {revokeButton}
              {data.mfaEnabled && !own ? (
                <ConfirmButton className="button button-danger" disabled={act.busy} aria-busy={act.busy} title="Reset two-factor authentication?" message={`Turn off two-factor authentication for ${data.email}? Their recovery codes are deleted and all their sessions end.`} confirmLabel="Reset two-factor" destructive onConfirm={() => void act.run("resetMfa")}>Reset two-factor</ConfirmButton>
              ) : null}
            </div>
            {own ? <p className="muted" data-testid="own-account">{OWN_ACCOUNT}</p> : null}
            {canEditRoles ? (
              <>
                <h2>Roles</h2>
                <ErrorMessage error={saveRoles.error} overrides={{ insufficient_role: "Only a superadmin can change roles.", last_superadmin: "This is the last superadmin: make another account superadmin before removing it." }} />
                <fieldset className="actions">
                  <legend className="muted">Roles</legend>
                  {ROLES.map((role) => (
                    <label key={role} className="checkbox">
                      <input type="checkbox" checked={roles.includes(role)} onChange={(event) => setEditedRoles(event.target.checked ? [...roles, role] : roles.filter((r) => r !== role))} />
                      {role}
                    </label>
                  ))}
                  <ConfirmButton className="button" disabled={saveRoles.busy || roles.length === 0} aria-busy={saveRoles.busy} aria-describedby={roles.length === 0 ? "roles-needed" : undefined} title="Save roles?" message={`Set the roles of ${data.email} to ${roles.join(", ")}?${own ? ownRolesWarning(data.roles, roles) : ""}`} confirmLabel="Save roles" onConfirm={() => void saveRoles.run(roles)}>Save roles</ConfirmButton>
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
