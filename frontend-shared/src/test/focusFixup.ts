import { afterEach, beforeEach } from "vitest";

// Browsers apply the HTML focus fixup rule: a focused button that becomes disabled loses focus to <body>. jsdom keeps it
// focused (jsdom/jsdom#3029), which hides a busy button's focus loss; this does what the browsers do, in every test of
// the file that calls it.
export function applyFocusFixup(): void {
  let observer: MutationObserver | null = null;
  beforeEach(() => {
    observer = new MutationObserver(() => {
      const active = document.activeElement;
      if (!(active instanceof HTMLElement) || !active.matches(":disabled")) return;
      // jsdom's blur() ignores an element that cannot take focus: focus leaves through a stand-in that is then removed.
      const standIn = document.createElement("span");
      standIn.tabIndex = -1;
      document.body.append(standIn);
      standIn.focus();
      standIn.remove();
    });
    observer.observe(document.body, { subtree: true, attributes: true, attributeFilter: ["disabled"] });
  });
  afterEach(() => {
    observer?.disconnect();
  });
}
