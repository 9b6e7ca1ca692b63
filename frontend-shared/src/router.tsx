import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type AnchorHTMLAttributes, type MouseEvent, type ReactNode } from "react";

interface RouterState {
  base: string;
  path: string;
  search: string;
  // Counts the navigations (push, replace, Back/Forward): state that belongs to one visit of a page resets with it.
  locationKey: number;
  navigate: (to: string, options?: { replace?: boolean }) => void;
}

const RouterContext = createContext<RouterState | null>(null);

function stripBase(pathname: string, base: string): string {
  const trimmed = base.endsWith("/") ? base.slice(0, -1) : base;
  if (trimmed && pathname.startsWith(trimmed)) {
    const rest = pathname.slice(trimmed.length);
    return rest.startsWith("/") ? rest : `/${rest}`;
  }
  return pathname || "/";
}

export function Router({ base, children }: { base: string; children: ReactNode }) {
  // key counts the navigations; replace marks a history.replaceState one.
  const [location, setLocation] = useState(() => ({
    path: stripBase(window.location.pathname, base),
    search: window.location.search,
    key: 0,
    replace: false,
  }));

  useEffect(() => {
    const onPop = () =>
      setLocation((last) => ({ path: stripBase(window.location.pathname, base), search: window.location.search, key: last.key + 1, replace: false }));
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, [base]);

  // After a navigation (not the first load) focus moves to the new content, where keyboard and screen reader
  // users start reading. It stays put when the new page already focused something in #main (autoFocus), or when
  // a replace kept the page and only rewrote its query (a filter, a token taken out of the URL).
  const shown = useRef(location);
  useEffect(() => {
    const previous = shown.current;
    if (previous === location) return;
    shown.current = location;
    if (location.replace && previous.path === location.path) return;
    const main = document.getElementById("main");
    if (main && !main.contains(document.activeElement)) main.focus({ preventScroll: true });
  }, [location]);

  const navigate = useCallback(
    (to: string, options: { replace?: boolean } = {}) => {
      const full = resolveHref(to, base);
      if (!full.startsWith(base)) {
        window.location.assign(full);
        return;
      }
      if (options.replace) window.history.replaceState(null, "", full);
      else window.history.pushState(null, "", full);
      const url = new URL(full, window.location.origin);
      setLocation((last) => ({ path: stripBase(url.pathname, base), search: url.search, key: last.key + 1, replace: Boolean(options.replace) }));
      window.scrollTo?.(0, 0);
    },
    [base],
  );

  const value = useMemo(
    () => ({ base, path: location.path, search: location.search, locationKey: location.key, navigate }),
    [base, location, navigate],
  );
  return <RouterContext.Provider value={value}>{children}</RouterContext.Provider>;
}

// "/login" is app-relative; "/auth/login" from another app (or this one) is absolute.
export function resolveHref(to: string, base: string): string {
  if (to.startsWith(base) || `${to}/` === base || isOtherApp(to, base)) return to;
  return joinBase(base, to);
}

function joinBase(base: string, to: string): string {
  const clean = to.startsWith("/") ? to.slice(1) : to;
  return `${base}${clean}`;
}

export function useRouter() {
  const value = useContext(RouterContext);
  if (!value) throw new Error("useRouter outside <Router>");
  const query = useMemo(() => new URLSearchParams(value.search), [value.search]);
  return { ...value, query };
}

// A one-time secret in the query (a reset or verification token), read once on the first render and removed
// from the address bar and this history entry at once, so it is not left behind after an error or Back.
export function useQuerySecret(name: string): string {
  const { path, query, navigate } = useRouter();
  const [secret] = useState(() => query.get(name) ?? "");
  useEffect(() => {
    if (!query.has(name)) return;
    const rest = new URLSearchParams(query);
    rest.delete(name);
    const text = rest.toString();
    navigate(`${path}${text ? `?${text}` : ""}`, { replace: true });
  }, [name, path, query, navigate]);
  return secret;
}

// State that starts again from `initial` whenever `key` changes (a navigation, say), without an extra render
// holding the old value.
export function useKeyedState<T>(initial: T, key: unknown): [T, (value: T) => void] {
  const [state, setState] = useState({ key, value: initial });
  const value = Object.is(state.key, key) ? state.value : initial;
  return [value, (next: T) => setState({ key, value: next })];
}

export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const strip = (text: string) => text.replace(/\/+$/, "") || "/";
  const a = strip(pattern).split("/");
  const b = strip(path).split("/");
  if (a.length !== b.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < a.length; i += 1) {
    if (!a[i].startsWith(":")) {
      if (a[i] !== b[i]) return null;
      continue;
    }
    // A typed or truncated link ("/payments/100%") is no match ("Page not found"), not a URIError in render.
    try {
      params[a[i].slice(1)] = decodeURIComponent(b[i]);
    } catch {
      return null;
    }
  }
  return params;
}

export function Link({ to, children, ...rest }: { to: string; children: ReactNode } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const { base, navigate, path } = useRouter();
  const href = resolveHref(to, base);
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    if (!href.startsWith(base)) return;
    event.preventDefault();
    navigate(href);
  };
  const current = stripBase(href.split("?")[0], base) === path;
  return (
    <a href={href} onClick={onClick} aria-current={current ? "page" : undefined} {...rest}>
      {children}
    </a>
  );
}

function isOtherApp(to: string, base: string): boolean {
  return ["/auth/", "/payment/", "/admin/"].some((prefix) => to.startsWith(prefix) && prefix !== base);
}
