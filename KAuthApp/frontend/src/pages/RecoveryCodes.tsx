import { useCallback, useEffect, useRef, useState } from "react";
import { Card, ConfirmDialog, Notice, useRouter } from "@kservices/shared";

const FILE_NAME = "kservices-recovery-codes.txt";

// While mounted: the browser asks before the page unloads (reload, closing the tab, a link to another app), and a
// left click on a link that would navigate is held back and handed to `onLeave`. Back and Forward are not caught.
// Returns `release`, which drops both at once (before a confirmed navigation).
function useLeaveGuard(onLeave: (href: string) => void): () => void {
  const release = useRef<() => void>(() => {});
  const leave = useRef(onLeave);
  useEffect(() => {
    leave.current = onLeave;
  });
  useEffect(() => {
    const beforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      event.returnValue = ""; // older browsers ask only when this is set
    };
    // Capture on the document runs before React's handlers (the router's Link), so the navigation never starts.
    const click = (event: MouseEvent) => {
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const link = event.target instanceof Element ? event.target.closest<HTMLAnchorElement>("a[href]") : null;
      const href = link?.getAttribute("href");
      if (!link || !href || href.startsWith("#") || link.hasAttribute("download") || link.target) return;
      event.preventDefault();
      event.stopPropagation();
      leave.current(href);
    };
    window.addEventListener("beforeunload", beforeUnload);
    document.addEventListener("click", click, true);
    release.current = () => {
      window.removeEventListener("beforeunload", beforeUnload);
      document.removeEventListener("click", click, true);
    };
    return () => release.current();
  }, []);
  return useCallback(() => release.current(), []);
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
  const { navigate } = useRouter();
  const [leaveTo, setLeaveTo] = useState<string | null>(null);
  const release = useLeaveGuard(setLeaveTo);
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  const text = `${codes.join("\n")}\n`;
  const downloadUrl = useTextFileUrl(text);

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
    <Card title="Save your recovery codes">
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
      {leaveTo ? (
        <ConfirmDialog
          title="Leave without your recovery codes?"
          message="They are shown only now. Leave this page only after you have stored them."
          confirmLabel="Leave page"
          cancelLabel="Stay"
          destructive
          onCancel={() => setLeaveTo(null)}
          onConfirm={() => {
            release();
            onSaved();
            navigate(leaveTo);
          }}
        />
      ) : null}
    </Card>
  );
}
