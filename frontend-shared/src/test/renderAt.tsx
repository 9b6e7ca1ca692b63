import { render } from "@testing-library/react";
import type { ReactNode } from "react";
import { Router } from "../router";

// A component test's renderAt for the app mounted at `base`: the address is set to `path`, then `ui` renders
// inside that app's router.
export function renderInApp(base: string) {
  return (path: string, ui: ReactNode) => {
    window.history.pushState(null, "", path);
    return render(<Router base={base}>{ui}</Router>);
  };
}
