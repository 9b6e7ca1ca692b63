import { useCallback, useEffect, useId, useMemo, useRef, useState, type ChangeEvent, type InputHTMLAttributes, type ReactNode, type Ref, type RefObject, type SelectHTMLAttributes, type TextareaHTMLAttributes } from "react";
import QRCode from "qrcode";
import { ApiError, countdownSeconds, errorMessage, isApiError, normaliseField } from "./errors";
import { rememberShownError } from "./shownErrors";

interface FieldIds {
  inputId: string;
  errorId: string;
  hintId: string;
  describedBy: string | undefined;
}

// The ids that tie a control to its label, hint and error message.
function useFieldIds(name: string, id: string | undefined, error?: string, hint?: ReactNode): FieldIds {
  const autoId = useId();
  const inputId = id ?? `${name}-${autoId}`;
  const errorId = `${inputId}-error`;
  const hintId = `${inputId}-hint`;
  const describedBy = [error ? errorId : null, hint ? hintId : null].filter(Boolean).join(" ") || undefined;
  return { inputId, errorId, hintId, describedBy };
}

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

// What every control carries: its id and name, the value and change handler, and the error/hint wiring.
function controlProps(ids: FieldIds, name: string, value: string, onChange: (value: string) => void, error?: string) {
  return {
    id: ids.inputId,
    name,
    value,
    onChange: (event: ChangeEvent<Control>) => onChange(event.target.value),
    "aria-invalid": error ? true : undefined,
    "aria-describedby": ids.describedBy,
  };
}

interface FieldFrameProps {
  label: string;
  ids: FieldIds;
  error?: string;
  hint?: ReactNode;
  children: ReactNode;
}

function FieldFrame({ label, ids, error, hint, children }: FieldFrameProps) {
  return (
    <div className={`field${error ? " field-invalid" : ""}`}>
      <label htmlFor={ids.inputId}>{label}</label>
      {children}
      {hint ? <p className="field-hint" id={ids.hintId}>{hint}</p> : null}
      {error ? <p className="field-error" id={ids.errorId}>{error}</p> : null}
    </div>
  );
}

interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, "onChange" | "value"> {
  label: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  error?: string;
  hint?: ReactNode;
}

export function Field({ label, name, value, onChange, error, hint, id, ...rest }: FieldProps) {
  const ids = useFieldIds(name, id, error, hint);
  return (
    <FieldFrame label={label} ids={ids} error={error} hint={hint}>
      <input
        {...controlProps(ids, name, value, onChange, error)}
        {...rest}
      />
    </FieldFrame>
  );
}

interface SelectProps extends Omit<SelectHTMLAttributes<HTMLSelectElement>, "onChange" | "value"> {
  label: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  options: Array<{ value: string; label: string }>;
  error?: string;
  hint?: ReactNode;
}

export function SelectField({ label, name, value, onChange, options, error, hint, id, ...rest }: SelectProps) {
  const ids = useFieldIds(name, id, error, hint);
  return (
    <FieldFrame label={label} ids={ids} error={error} hint={hint}>
      <select
        {...controlProps(ids, name, value, onChange, error)}
        {...rest}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </FieldFrame>
  );
}

interface TextAreaProps extends Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, "onChange" | "value"> {
  label: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  error?: string;
  hint?: ReactNode;
}

export function TextAreaField({ label, name, value, onChange, error, hint, id, ...rest }: TextAreaProps) {
  const ids = useFieldIds(name, id, error, hint);
  return (
    <FieldFrame label={label} ids={ids} error={error} hint={hint}>
      <textarea
        {...controlProps(ids, name, value, onChange, error)}
        {...rest}
      />
    </FieldFrame>
  );
}

// Shows the envelope message, after `lead` (what failed) when given, plus any details that do not belong to a
// field on the form. It can take focus (tabIndex -1): a Form given this error moves focus here when its request fails.
// With `onRetry` (a page whose load failed) it offers a "Try again" button, so a 503 or 429 is not a dead end.
export function ErrorMessage({
  error,
  overrides,
  knownFields = [],
  lead,
  onRetry,
}: {
  error: unknown;
  overrides?: Record<string, string>;
  knownFields?: string[];
  lead?: string;
  onRetry?: () => void;
}) {
  const receivedAt = useMemo(() => Date.now(), [error]);
  const retryAfter = countdownSeconds(error);
  const now = useNow(1000, retryAfter !== null && retryAfter > 0);
  if (!error) return null;
  let shown = error;
  if (isApiError(error) && retryAfter !== null) {
    const left = Math.max(0, retryAfter - Math.floor(Math.max(0, now - receivedAt) / 1000));
    shown = new ApiError({ status: error.status, code: error.code, message: error.message, requestId: error.requestId, details: error.details, retryAfter: left });
  }
  const extra = isApiError(error)
    ? error.details.filter((detail) => {
        const field = normaliseField(detail.field, detail.location);
        return typeof detail.message === "string" && !knownFields.includes(field);
      })
    : [];
  return (
    <div ref={(element) => rememberShownError(error, element)} className="alert alert-error" role="alert" tabIndex={-1} data-error-code={isApiError(error) ? error.code : "unknown"}>
      <p>
        {lead ? <strong>{lead} </strong> : null}
        {errorMessage(shown, overrides)}
      </p>
      {extra.length > 0 ? (
        <ul>
          {extra.map((detail, index) => (
            <li key={index}>
              {typeof detail.field === "string" && detail.field ? <strong>{normaliseField(detail.field, detail.location) || detail.field}: </strong> : null}
              {detail.message}
            </li>
          ))}
        </ul>
      ) : null}
      {onRetry ? <button type="button" className="button button-small" onClick={onRetry}>Try again</button> : null}
    </div>
  );
}

// A status message; with a ref it can also take focus (tabIndex -1).
export function Notice({ children, tone = "success", ref }: { children: ReactNode; tone?: "success" | "info" | "warning"; ref?: Ref<HTMLDivElement> }) {
  return (
    <div ref={ref} className={`alert alert-${tone}`} role="status" tabIndex={ref ? -1 : undefined}>
      {children}
    </div>
  );
}

export function SubmitButton({ busy, children, busyLabel, ...rest }: { busy: boolean; children: ReactNode; busyLabel?: string } & React.ButtonHTMLAttributes<HTMLButtonElement>) {
  return (
    <button type="submit" className="button button-primary" disabled={busy || rest.disabled} aria-busy={busy} {...rest}>
      {busy ? busyLabel ?? "Please wait..." : children}
    </button>
  );
}

export function Spinner({ label = "Loading..." }: { label?: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

// Runs an async action with busy/error state; the error is an ApiError or anything thrown.
// `focusAfter` is for actions whose button is disabled while busy or gone afterwards (focus would fall to <body>):
// once each run has ended and its result has rendered, focus goes to the first of these elements that is on the
// page (the result notice, else the heading), unless the user has focused something else meanwhile.
export function useAction<A extends unknown[], R>(action: (...args: A) => Promise<R>, { focusAfter }: { focusAfter?: RefObject<HTMLElement | null>[] } = {}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [ended, setEnded] = useState(0);
  const mounted = useRef(true);
  useEffect(() => {
    if (ended === 0 || !focusAfter) return;
    const active = document.activeElement;
    if (active && active !== document.body && active.id !== "main") return;
    focusAfter.map((target) => target.current).find((element) => element?.isConnected)?.focus();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ended]);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const run = useCallback(
    async (...args: A): Promise<R | undefined> => {
      setBusy(true);
      setError(null);
      try {
        return await action(...args);
      } catch (caught) {
        if (mounted.current) setError(caught);
        return undefined;
      } finally {
        if (mounted.current) {
          setBusy(false);
          setEnded((count) => count + 1);
        }
      }
    },
    [action],
  );
  return { busy, error, setError, run };
}

// The last settled load: its data (kept after a failed reload with the same inputs), error and inputs (deps).
interface Loaded<T> {
  deps: unknown[] | null;
  data: T | null;
  error: unknown;
}

const sameDeps = (a: unknown[] | null, b: unknown[]) => a !== null && a.length === b.length && a.every((value, i) => Object.is(value, b[i]));

// Loads data on mount, whenever deps change and on reload(). `data` and `error` belong to the current deps only: while
// new deps load, neither the old data nor the old error shows (data null, loading true); a reload with the same deps
// keeps the data until its answer, and a failed one keeps it next to the error.
export function useLoad<T>(loader: () => Promise<T>, deps: unknown[]) {
  const [loaded, setLoaded] = useState<Loaded<T>>({ deps: null, data: null, error: null });
  const [running, setRunning] = useState(false);
  const [version, setVersion] = useState(0);
  const currentDeps = useRef(deps);
  useEffect(() => {
    currentDeps.current = deps;
  });
  useEffect(() => {
    let active = true;
    const requested = deps;
    setRunning(true);
    setLoaded((current) => (current.error === null ? current : { ...current, error: null }));
    loader()
      .then((value) => {
        if (active) setLoaded({ deps: requested, data: value, error: null });
      })
      .catch((caught: unknown) => {
        if (active) setLoaded((current) => ({ deps: requested, data: sameDeps(current.deps, requested) ? current.data : null, error: caught }));
      })
      .finally(() => {
        if (active) setRunning(false);
      });
    return () => {
      active = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, version]);
  const reload = useCallback(() => setVersion((value) => value + 1), []);
  const setData = useCallback((value: T | null) => {
    setLoaded((current) => {
      const latest = currentDeps.current;
      return { deps: latest, data: value, error: sameDeps(current.deps, latest) ? current.error : null };
    });
  }, []);
  const current = sameDeps(loaded.deps, deps);
  return { data: current ? loaded.data : null, setData, error: current ? loaded.error : null, loading: running || !current, reload };
}

export function QrImage({ value, label, size = 240 }: { value: string; label: string; size?: number }) {
  const [src, setSrc] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let active = true;
    QRCode.toDataURL(value, { width: size, margin: 2, errorCorrectionLevel: "M" })
      .then((url) => {
        if (active) setSrc(url);
      })
      .catch(() => {
        if (active) setFailed(true);
      });
    return () => {
      active = false;
    };
  }, [value, size]);
  if (failed) return <p className="field-error">Could not draw the QR code.</p>;
  if (!src) return <Spinner label="Drawing QR code..." />;
  return <img className="qr" src={src} alt={label} width={size} height={size} data-qr-value={value} />;
}

export function useNow(intervalMs = 1000, active = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs, active]);
  return now;
}

export function formatCountdown(msLeft: number): string {
  if (msLeft <= 0) return "0:00";
  const total = Math.floor(msLeft / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const mm = hours > 0 ? String(minutes).padStart(2, "0") : String(minutes);
  return `${hours > 0 ? `${hours}:` : ""}${mm}:${String(seconds).padStart(2, "0")}`;
}

export function errorText(error: unknown): string {
  return errorMessage(error);
}
