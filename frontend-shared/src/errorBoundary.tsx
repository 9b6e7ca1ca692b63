import { Component, type ReactNode } from "react";

// The apps' outermost component: a render error shows a plain message instead of a blank page.
export class ErrorBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  state = { failed: false };

  static getDerivedStateFromError() {
    return { failed: true };
  }

  render() {
    if (!this.state.failed) return this.props.children;
    return (
      <main className="app">
        <section className="card card-narrow" role="alert">
          <h1>Something went wrong</h1>
          <p>This page hit an unexpected error. Reload it to try again.</p>
          <button type="button" className="button button-primary" onClick={() => window.location.reload()}>
            Reload
          </button>
        </section>
      </main>
    );
  }
}
