import { useEffect, useId, useRef, useState, type ButtonHTMLAttributes, type KeyboardEvent, type ReactNode, type SyntheticEvent } from "react";

export interface ConfirmText {
  title: string;
  message: string;
  // Names the action ("Disable account"), never a bare "OK".
  confirmLabel: string;
  cancelLabel?: string;
  // Red confirm button, and focus starts on the safe choice.
  destructive?: boolean;
}

interface ConfirmDialogProps extends ConfirmText {
  onConfirm: () => void;
  onCancel: () => void;
}

// A modal confirmation, shown while mounted. Escape cancels; on unmount focus returns to what had it before.
export function ConfirmDialog({ title, message, confirmLabel, cancelLabel = "Cancel", destructive = false, onConfirm, onCancel }: ConfirmDialogProps) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const answered = useRef(false);
  const titleId = useId();
  const messageId = useId();

  useEffect(() => {
    const dialog = dialogRef.current!;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    // showModal makes the rest of the page inert; jsdom lacks it, so there the dialog is only opened.
    if (typeof dialog.showModal === "function") dialog.showModal();
    else dialog.setAttribute("open", "");
    (destructive ? cancelRef : confirmRef).current?.focus();
    return () => {
      if (typeof dialog.close === "function" && dialog.open) dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, [destructive]);

  // One answer per opening, however many clicks or Escape presses arrive before it closes.
  const answer = (action: () => void) => {
    if (answered.current) return;
    answered.current = true;
    action();
  };
  const cancel = (event: SyntheticEvent) => {
    event.preventDefault();
    answer(onCancel);
  };

  return (
    <dialog
      ref={dialogRef}
      className="confirm-dialog"
      role="alertdialog"
      aria-modal="true"
      aria-labelledby={titleId}
      aria-describedby={messageId}
      onCancel={cancel}
      // Closed by the browser without a cancel event (repeated close requests): that is a cancel too.
      onClose={() => {
        if (!dialogRef.current?.open) answer(onCancel);
      }}
      onKeyDown={(event: KeyboardEvent) => {
        if (event.key === "Escape") cancel(event);
      }}
    >
      <h2 id={titleId}>{title}</h2>
      <p id={messageId}>{message}</p>
      <div className="actions">
        <button ref={cancelRef} type="button" className="button" onClick={() => answer(onCancel)}>
          {cancelLabel}
        </button>
        <button ref={confirmRef} type="button" className={`button ${destructive ? "button-danger" : "button-primary"}`} onClick={() => answer(onConfirm)}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

type ConfirmButtonProps = ConfirmText &
  Omit<ButtonHTMLAttributes<HTMLButtonElement>, "onClick" | "title" | "type"> & {
    onConfirm: () => void;
    children: ReactNode;
  };

// A button whose action runs only after the user confirms it in a ConfirmDialog.
export function ConfirmButton({ title, message, confirmLabel, cancelLabel, destructive, onConfirm, children, ...rest }: ConfirmButtonProps) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" aria-haspopup="dialog" {...rest} onClick={() => setOpen(true)}>
        {children}
      </button>
      {open ? (
        <ConfirmDialog
          title={title}
          message={message}
          confirmLabel={confirmLabel}
          cancelLabel={cancelLabel}
          destructive={destructive}
          onCancel={() => setOpen(false)}
          onConfirm={() => {
            setOpen(false);
            onConfirm();
          }}
        />
      ) : null}
    </>
  );
}
