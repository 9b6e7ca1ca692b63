import type { ReactNode, Ref } from "react";
import { Link } from "./router";

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
      <a className="skip-link" href="#main">
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
        {children}
      </main>
    </div>
  );
}

// A page section; with `headingRef` its heading can take focus (tabIndex -1).
export function Card({ title, children, narrow, headingRef }: { title?: string; children: ReactNode; narrow?: boolean; headingRef?: Ref<HTMLHeadingElement> }) {
  return (
    <section className={`card${narrow ? " card-narrow" : ""}`}>
      {title ? <h1 ref={headingRef} tabIndex={headingRef ? -1 : undefined}>{title}</h1> : null}
      {children}
    </section>
  );
}
