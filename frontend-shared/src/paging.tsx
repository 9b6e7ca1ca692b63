import { useKeyedState, useRouter } from "./router";

export interface CursorStack {
  cursor: string | null;
  previous: (() => void) | undefined;
  next: (nextCursor: string) => void;
}

// Keyset paging: the cursors of the pages seen so far; the last one names the page shown. Every navigation
// (a filter put in the URL, a nav link, Back) starts again at the first page.
export function useCursorStack(): CursorStack {
  const { locationKey } = useRouter();
  const [cursors, setCursors] = useKeyedState<Array<string | null>>([null], locationKey);
  return {
    cursor: cursors[cursors.length - 1],
    previous: cursors.length > 1 ? () => setCursors(cursors.slice(0, -1)) : undefined,
    next: (nextCursor) => setCursors([...cursors, nextCursor]),
  };
}

// `nextCursor` comes from the page shown; both buttons wait while a page loads, so a double click moves one page.
export function Pager({ pages, nextCursor, loading }: { pages: CursorStack; nextCursor: string | null | undefined; loading: boolean }) {
  return (
    <div className="pager">
      <button type="button" className="button" disabled={loading || !pages.previous} aria-busy={loading} onClick={pages.previous}>Previous</button>
      <button type="button" className="button" disabled={loading || !nextCursor} aria-busy={loading} onClick={() => nextCursor && pages.next(nextCursor)}>Next</button>
    </div>
  );
}
