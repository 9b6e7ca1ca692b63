import { createContext, useContext, useEffect, useLayoutEffect, useRef, useState, type ReactNode, type Ref } from "react";
import { Link } from "./router";

// The app's name (the Layout's title), which every page title ends with.
const AppName = createContext<string | null>(null);

// Inside a Layout: the browser tab shows "<title> - <app>" while the calling page is mounted, the app's name after.
export function usePageTitle(title: string | undefined): void {
  const appName = useContext(AppName);
  useEffect(() => {
    if (appName === null || title === undefined) return;
    document.title = `${title} - ${appName}`;
    return () => {
      document.title = appName;
    };
  }, [title, appName]);
}

export interface NavItem {
  to: string;
  label: string;
}

export function Layout({
  title,
  nav,
  actions,
  children,
}: {
  title: string;
  nav?: NavItem[];
  actions?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className="app">
      {/* Focus moves without a navigation: the #main fragment's history entry would start the page's lists and filters
          again (every navigation does). */}
      <a className="skip-link" href="#main" onClick={(event) => { event.preventDefault(); document.getElementById("main")?.focus(); }}>
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">{title}</span>
        {nav && nav.length > 0 ? (
          <nav aria-label="Main">
            <ul>
              {nav.map((item) => (
                <li key={item.to}>
                  <Link to={item.to}>{item.label}</Link>
                </li>
              ))}
            </ul>
          </nav>
        ) : null}
        {actions ? <div className="topbar-actions">{actions}</div> : null}
      </header>
      <main id="main" tabIndex={-1}>
        <AppName.Provider value={title}>{children}</AppName.Provider>
      </main>
    </div>
  );
}

// A page section headed by the page's one <h1>, which also titles the browser tab; a `subsection` has an <h2>.
// With `headingRef` its heading can take focus (tabIndex -1).
export function Card({ title, children, narrow, subsection, headingRef }: { title?: string; children: ReactNode; narrow?: boolean; subsection?: boolean; headingRef?: Ref<HTMLHeadingElement> }) {
  usePageTitle(subsection ? undefined : title);
  const Heading = subsection ? "h2" : "h1";
  return (
    <section className={`card${narrow ? " card-narrow" : ""}`}>
      {title ? <Heading ref={headingRef} tabIndex={headingRef ? -1 : undefined}>{title}</Heading> : null}
      {children}
    </section>
  );
}

// A table's sideways scroller. While the table is wider than it (a narrow screen), it is a region named `label` that
// takes keyboard focus, so the columns out of view can be scrolled to with the arrow keys (WCAG 2.1.1).
export function TableWrap({ label, children }: { label: string; children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrolls, setScrolls] = useState(false);
  // Measured before the first paint, then again whenever the scroller or its table changes size.
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element || typeof ResizeObserver === "undefined") return;
    const measure = () => setScrolls(element.scrollWidth > element.clientWidth);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    // The table widens with its rows.
    if (element.firstElementChild) observer.observe(element.firstElementChild);
    return () => observer.disconnect();
  }, []);
  return (
    <div ref={ref} className="table-wrap" {...(scrolls ? { role: "region", "aria-label": label, tabIndex: 0 } : {})}>
      {children}
    </div>
  );
}
