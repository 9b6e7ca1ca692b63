import { useEffect, useRef, useState } from "react";
import { Card, ConfirmDialog, Notice, useRouter } from "@kservices/shared";

const FILE_NAME = "kservices-recovery-codes.txt";

// A way out of the page held back until the user answers: `proceed` takes it and resolves whether it was taken (a
// sign-out can fail), `label` names it on the confirm button.
interface LeaveAttempt {
  label: string;
  proceed: () => Promise<boolean>;
}

// The mounted guard's hold on the top bar's Sign out (it lives in the app shell, outside this page); null without one.
let holdSignOut: ((attempt: LeaveAttempt) => void) | null = null;

// The top bar's Sign out: `signOut` runs at once, or after the user confirms leaving the recovery codes. It resolves
// whether the user was signed out: until then the page (and the codes) stay guarded.
export function guardedSignOut(signOut: () => Promise<boolean>): void {
  if (holdSignOut) holdSignOut({ label: "Sign out anyway", proceed: signOut });
  else void signOut();
}

// While mounted: the browser asks before the page unloads (reload, closing the tab, a link to another app); a left
// click on a link that would navigate, Back/Forward and the top bar's Sign out are held back and handed to `onLeave`.
// A confirmed link or Back/Forward drops them all before it goes; a sign-out keeps them until the page goes.
function useLeaveGuard(onLeave: (attempt: LeaveAttempt) => void): void {
  const { navigate } = useRouter();
  const release = useRef<() => void>(() => {});
  const leave = useRef(onLeave);
  useEffect(() => {
    leave.current = onLeave;
  });
  useEffect(() => {
    const here = `${window.location.pathname}${window.location.search}`;
    const beforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      event.returnValue = ""; // older browsers ask only when this is set
    };
    // A way out of this app's pages: the guard goes first, so it does not hold the move back again.
    const leavePage = (go: () => void): LeaveAttempt => ({
      label: "Leave page",
      proceed: async () => {
        release.current();
        go();
        return true;
      },
    });
    // Capture on the document runs before React's handlers (the router's Link), so the navigation never starts.
    const click = (event: MouseEvent) => {
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const link = event.target instanceof Element ? event.target.closest<HTMLAnchorElement>("a[href]") : null;
      const href = link?.getAttribute("href");
      if (!link || !href || href.startsWith("#") || link.hasAttribute("download") || link.target) return;
      event.preventDefault();
      event.stopPropagation();
      leave.current(leavePage(() => navigate(href)));
    };
    // Back/Forward has moved the address when popstate fires. A capture listener on window runs before the router's
    // (bubble) one there, so the router never sees it: this page's entry is pushed back, and leaving goes back one
    // step, to where Back or Forward was heading. A #fragment or this same address again is no way out.
    const popState = (event: PopStateEvent) => {
      if (`${window.location.pathname}${window.location.search}` === here) return;
      event.stopImmediatePropagation();
      window.history.pushState(null, "", here);
      leave.current(leavePage(() => window.history.back()));
    };
    window.addEventListener("beforeunload", beforeUnload);
    document.addEventListener("click", click, true);
    window.addEventListener("popstate", popState, true);
    holdSignOut = (attempt) => leave.current(attempt);
    release.current = () => {
      window.removeEventListener("beforeunload", beforeUnload);
      document.removeEventListener("click", click, true);
      window.removeEventListener("popstate", popState, true);
      holdSignOut = null;
    };
    return () => release.current();
  }, [navigate]);
}

// An object URL of `text` as a plain-text file, revoked when the text changes or the page goes.
function useTextFileUrl(text: string): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    const created = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
    setUrl(created);
    return () => URL.revokeObjectURL(created);
  }, [text]);
  return url;
}

// The recovery codes, shown once after two-factor is enabled. They live in this component's props only (never in
// storage); leaving before "I saved them" asks first.
export function RecoveryCodes({ codes, onSaved }: { codes: string[]; onSaved: () => void }) {
  const [leaving, setLeaving] = useState<LeaveAttempt | null>(null);
  useLeaveGuard(setLeaving);
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  const text = `${codes.join("\n")}\n`;
  const downloadUrl = useTextFileUrl(text);
  // The enable form that led here is gone, its focus with it: reading starts at this page's heading.
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    const active = document.activeElement;
    if (!active || active === document.body || active.id === "main") headingRef.current?.focus();
  }, []);

  const copy = async () => {
    setCopied(null);
    try {
      if (!navigator.clipboard) throw new Error("no Clipboard API");
      await navigator.clipboard.writeText(text);
      setCopied("yes");
    } catch {
      setCopied("failed");
    }
  };

  return (
    <Card title="Save your recovery codes" headingRef={headingRef}>
      <Notice>Two-factor authentication is enabled.</Notice>
      <p>
        Each code works once if you lose your authenticator. They are shown only now: store them somewhere safe.
      </p>
      <ul className="codes" aria-label="Recovery codes" data-testid="recovery-codes">
        {codes.map((item) => <li key={item}>{item}</li>)}
      </ul>
      {copied === "yes" ? <Notice>Copied. Paste them somewhere safe.</Notice> : null}
      {copied === "failed" ? (
        <div className="alert alert-error" role="alert">
          <p>The codes could not be copied here. Download them as a .txt file, or select and copy them by hand.</p>
        </div>
      ) : null}
      <div className="actions">
        <button type="button" className="button" onClick={() => void copy()}>Copy codes</button>
        {downloadUrl ? <a className="button" href={downloadUrl} download={FILE_NAME}>Download as .txt</a> : null}
        <button type="button" className="button button-primary" onClick={onSaved}>I saved them</button>
      </div>
      {leaving ? (
        <ConfirmDialog
          title="Leave without your recovery codes?"
          message="They are shown only now. Leave this page only after you have stored them."
          confirmLabel={leaving.label}
          cancelLabel="Stay"
          destructive
          onCancel={() => setLeaving(null)}
          onConfirm={async () => {
            setLeaving(null);
            if (await leaving.proceed()) onSaved();
          }}
        />
      ) : null}
    </Card>
  );
}
