import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { isApiError, normaliseField } from "./errors";
import { shownErrorElement } from "./shownErrors";

// After a submit whose checks marked a field invalid, focus goes to the first such field, which reads out its error.
// `error` is the error of the request the form sends (useAction's): when a submit's request fails, focus goes to the
// first invalid field if the server's details name a field, else to the ErrorMessage showing that error, so it does
// not fall to <body> from the disabled submit button. It stays put when the user has moved on outside the form.
export function Form({ onSubmit, children, label, className, error }: { onSubmit: () => void; children: ReactNode; label?: string; className?: string; error?: unknown }) {
  const formRef = useRef<HTMLFormElement>(null);
  const [submits, setSubmits] = useState(0);
  useEffect(() => {
    if (submits > 0) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [submits]);
  useEffect(() => {
    const form = formRef.current;
    if (!error || submits === 0 || !form) return;
    const active = document.activeElement;
    if (active && active !== document.body && active.id !== "main" && !form.contains(active)) return;
    const namesField = isApiError(error) && error.details.some((detail) => normaliseField(detail.field, detail.location) !== "");
    const field = namesField ? form.querySelector<HTMLElement>('[aria-invalid="true"]') : null;
    (field ?? shownErrorElement(error))?.focus();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [error]);
  const handle = (event: FormEvent) => {
    event.preventDefault();
    onSubmit();
    setSubmits((count) => count + 1);
  };
  return (
    <form ref={formRef} className={className ?? "form"} onSubmit={handle} noValidate aria-label={label}>
      {children}
    </form>
  );
}
