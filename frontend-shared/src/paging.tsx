import { useEffect, useRef } from "react";
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
// The pressed button is disabled meanwhile, which drops its focus to <body>: focus comes back once the page has
// loaded, to that button, or to the other one when there is no page further that way.
export function Pager({ pages, nextCursor, loading }: { pages: CursorStack; nextCursor: string | null | undefined; loading: boolean }) {
  const previousRef = useRef<HTMLButtonElement>(null);
  const nextRef = useRef<HTMLButtonElement>(null);
  const pressed = useRef<HTMLButtonElement | null>(null);
  useEffect(() => {
    const button = pressed.current;
    if (loading || !button) return;
    pressed.current = null;
    const active = document.activeElement;
    if (active && active !== document.body && active.id !== "main") return;
    const other = button === nextRef.current ? previousRef.current : nextRef.current;
    [button, other].find((candidate) => candidate && !candidate.disabled)?.focus();
  }, [loading]);
  const press = (button: HTMLButtonElement | null, move: () => void) => {
    pressed.current = button;
    move();
  };
  return (
    <div className="pager">
      <button ref={previousRef} type="button" className="button" disabled={loading || !pages.previous} aria-busy={loading} onClick={() => pages.previous && press(previousRef.current, pages.previous)}>Previous</button>
      <button ref={nextRef} type="button" className="button" disabled={loading || !nextCursor} aria-busy={loading} onClick={() => nextCursor && press(nextRef.current, () => pages.next(nextCursor))}>Next</button>
    </div>
  );
}

// A list's status message (WCAG 4.1.3), in a live region that is on the page before the answer: once a page has
// loaded, `empty` ("No payments match.") shown, else how many rows it holds, for screen readers only.
export function ListStatus({ count, empty, noun }: { count: number | undefined; empty: string; noun: [string, string] }) {
  const text = count === undefined ? "" : count === 0 ? empty : `${count} ${noun[count === 1 ? 0 : 1]} shown.`;
  return <p role="status" className={count === 0 ? "muted" : "visually-hidden"}>{text}</p>;
}
