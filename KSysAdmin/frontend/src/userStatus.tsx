import type { AdminUser, UserStatus } from "./api";

// The users list's status filter and every status badge say these.
export const USER_STATUS_LABELS: Record<UserStatus, string> = {
  active: "Active",
  pending_verification: "Pending verification",
  locked: "Locked",
  disabled: "Disabled",
  deleted: "Deleted",
};

// Deleted by its holder: the row stays for its payments and audit entries, and no admin action changes it. A row with
// only deletedAt (migration 0014's downgrade leaves a deleted account disabled with it; or a soft delete by hand) reads
// deleted too: the API refuses to change it but still revokes its sessions.
export function isDeleted(user: Pick<AdminUser, "status" | "deletedAt">): boolean {
  return user.status === "deleted" || !!user.deletedAt;
}

// What names a user in a link or heading: a deleted account's email may be erased.
export function userName(user: Pick<AdminUser, "email">): string {
  return user.email || "Deleted account";
}

export function UserStatusBadge({ user, testId }: { user: Pick<AdminUser, "status" | "deletedAt">; testId?: string }) {
  const status = isDeleted(user) ? "deleted" : user.status;
  return <span className={`badge badge-${status}`} data-testid={testId}>{USER_STATUS_LABELS[status] ?? status}</span>;
}
