import { useEffect, useId, useRef, useState, type ButtonHTMLAttributes, type KeyboardEvent, type ReactNode, type RefObject, type SyntheticEvent } from "react";

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

interface ModalDialogProps {
  title: string;
  description?: ReactNode;
  role?: "dialog" | "alertdialog";
  className?: string;
  // Escape (or the browser closing it) calls this; without it the dialog stays open until its owner unmounts it.
  onCancel?: () => void;
  // What gets focus on open; else the first control inside.
  initialFocus?: RefObject<HTMLElement | null>;
  children: ReactNode;
}

// A modal dialog, shown while mounted, named by its title and described by `description`. On unmount focus
// returns to what had it before, or to <main> when that is gone.
export function ModalDialog({ title, description, role = "dialog", className = "confirm-dialog", onCancel, initialFocus, children }: ModalDialogProps) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const messageId = useId();

  useEffect(() => {
    const dialog = dialogRef.current!;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    // showModal makes the rest of the page inert; jsdom lacks it, so there the dialog is only opened.
    if (typeof dialog.showModal === "function") dialog.showModal();
    else dialog.setAttribute("open", "");
    (initialFocus?.current ?? dialog.querySelector<HTMLElement>("input, select, textarea, button"))?.focus();
    return () => {
      if (typeof dialog.close === "function" && dialog.open) dialog.close();
      if (opener?.isConnected) opener.focus();
      else document.getElementById("main")?.focus();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const cancel = (event: SyntheticEvent) => {
    event.preventDefault();
    onCancel?.();
  };

  return (
    <dialog
      ref={dialogRef}
      className={className}
      role={role}
      aria-modal="true"
      aria-labelledby={titleId}
      aria-describedby={description ? messageId : undefined}
      onCancel={cancel}
      // Closed by the browser without a cancel event (repeated close requests): a cancel, or shown again.
      onClose={() => {
        const dialog = dialogRef.current;
        if (!dialog || dialog.open) return;
        if (onCancel) onCancel();
        else if (typeof dialog.showModal === "function") dialog.showModal();
      }}
      onKeyDown={(event: KeyboardEvent) => {
        if (event.key === "Escape") cancel(event);
      }}
    >
      <h2 id={titleId}>{title}</h2>
      {description ? <p id={messageId}>{description}</p> : null}
      {children}
    </dialog>
  );
}

// A modal confirmation, shown while mounted. Escape cancels.
export function ConfirmDialog({ title, message, confirmLabel, cancelLabel = "Cancel", destructive = false, onConfirm, onCancel }: ConfirmDialogProps) {
  const cancelRef = useRef<HTMLButtonElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const answered = useRef(false);

  // One answer per opening, however many clicks or Escape presses arrive before it closes.
  const answer = (action: () => void) => {
    if (answered.current) return;
    answered.current = true;
    action();
  };

  return (
    <ModalDialog title={title} description={message} role="alertdialog" onCancel={() => answer(onCancel)} initialFocus={destructive ? cancelRef : confirmRef}>
      <div className="actions">
        <button ref={cancelRef} type="button" className="button" onClick={() => answer(onCancel)}>
          {cancelLabel}
        </button>
        <button ref={confirmRef} type="button" className={`button ${destructive ? "button-danger" : "button-primary"}`} onClick={() => answer(onConfirm)}>
          {confirmLabel}
        </button>
      </div>
    </ModalDialog>
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
