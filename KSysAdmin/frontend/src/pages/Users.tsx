import { Card, ErrorMessage, Field, Form, Link, ListStatus, Pager, SelectField, Spinner, TableWrap, formatDateTime, useCursorStack, useKeyedState, useLoad, useRouter } from "@kservices/shared";
import { adminApi, ROLES } from "../api";
import { USER_STATUS_LABELS, UserStatusBadge, userName } from "../userStatus";

export function UsersPage() {
  const { query, navigate, locationKey } = useRouter();
  const q = query.get("q") ?? "";
  const status = query.get("status") ?? "";
  const role = query.get("role") ?? "";
  // What is typed, back to the URL's value at every navigation.
  const [search, setSearch] = useKeyedState(q, locationKey);
  const pages = useCursorStack();
  // The API leaves deleted accounts out unless asked for them.
  const includeDeleted = status === "deleted" ? true : undefined;
  const page = useLoad(() => adminApi.users({ emailPrefix: q.trim().toLowerCase(), status, role, includeDeleted, cursor: pages.cursor, limit: 50 }), [q, status, role, pages.cursor]);

  const apply = (changes: Record<string, string>) => {
    const params = new URLSearchParams(query);
    for (const [key, value] of Object.entries(changes)) {
      if (value) params.set(key, value);
      else params.delete(key);
    }
    const text = params.toString();
    navigate(`/users${text ? `?${text}` : ""}`, { replace: true });
  };

  return (
    <Card title="Users">
      <Form onSubmit={() => apply({ q: search.trim() })} className="form-row" label="Search users">
        <Field label="Email starts with" name="q" type="search" value={search} onChange={setSearch} placeholder="alice@" />
        <SelectField label="Status" name="status" value={status} onChange={(v) => apply({ status: v })} options={[
          { value: "", label: "Any status" },
          ...Object.entries(USER_STATUS_LABELS).map(([value, label]) => ({ value, label })),
        ]} />
        <SelectField label="Role" name="role" value={role} onChange={(v) => apply({ role: v })} options={[{ value: "", label: "Any role" }, ...ROLES.map((r) => ({ value: r, label: r }))]} />
        <button type="submit" className="button button-primary">Search</button>
      </Form>
      <ErrorMessage error={page.error} onRetry={page.reload} />
      {page.loading ? <Spinner /> : null}
      <ListStatus count={page.data?.items.length} empty="No users match." noun={["user", "users"]} />
      {page.data && page.data.items.length > 0 ? (
        <TableWrap label="Users">
          <table>
            <thead><tr><th scope="col">Email</th><th scope="col">Status</th><th scope="col">Roles</th><th scope="col">Created</th></tr></thead>
            <tbody>
              {page.data.items.map((user) => (
                <tr key={user.id}>
                  <td><Link to={`/users/${user.id}`}>{userName(user)}</Link></td>
                  <td><UserStatusBadge user={user} /></td>
                  <td>{user.roles.join(", ")}</td>
                  <td>{formatDateTime(user.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      ) : null}
      <Pager pages={pages} nextCursor={page.data?.nextCursor} loading={page.loading} />
    </Card>
  );
}
