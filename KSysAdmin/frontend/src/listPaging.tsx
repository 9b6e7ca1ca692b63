import { useState } from "react";
import { useRouter } from "@kservices/shared";

export interface CursorStack {
  cursor: string | null;
  reset: () => void;
  previous: (() => void) | undefined;
  next: (nextCursor: string) => void;
}

// Keyset paging: the cursors of the pages seen so far; the last one names the page shown.
export function useCursorStack(): CursorStack {
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  return {
    cursor: cursors[cursors.length - 1],
    reset: () => setCursors([null]),
    previous: cursors.length > 1 ? () => setCursors(cursors.slice(0, -1)) : undefined,
    next: (nextCursor) => setCursors([...cursors, nextCursor]),
  };
}

export function Pager({ pages, nextCursor }: { pages: CursorStack; nextCursor: string | null | undefined }) {
  return (
    <div className="pager">
      <button type="button" className="button" disabled={!pages.previous} onClick={pages.previous}>Previous</button>
      <button type="button" className="button" disabled={!nextCursor} onClick={() => nextCursor && pages.next(nextCursor)}>Next</button>
    </div>
  );
}

// Filters kept in the URL query: `current` is what the URL says, `form` what is being typed; apply()
// puts the trimmed non-empty form values in the URL and goes back to the first page.
export function useQueryFilters<K extends string>(keys: readonly K[], path: string, pages: CursorStack) {
  const { query, navigate } = useRouter();
  const current = Object.fromEntries(keys.map((key) => [key, query.get(key) ?? ""])) as Record<K, string>;
  const [form, setForm] = useState(current);
  const apply = () => {
    const params = new URLSearchParams();
    for (const key of keys) if (form[key].trim()) params.set(key, form[key].trim());
    pages.reset();
    navigate(`${path}${params.toString() ? `?${params}` : ""}`, { replace: true });
  };
  const set = (key: K) => (value: string) => setForm({ ...form, [key]: value });
  return { current, form, set, apply, queryKey: query.toString() };
}
