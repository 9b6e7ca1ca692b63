// The element each ErrorMessage shows its error in, so the Form that sent the failed request can focus it.
const shown = new WeakMap<object, HTMLElement>();

export function rememberShownError(error: unknown, element: HTMLElement | null): void {
  if (element && typeof error === "object" && error !== null) shown.set(error, element);
}

export function shownErrorElement(error: unknown): HTMLElement | undefined {
  const element = typeof error === "object" && error !== null ? shown.get(error) : undefined;
  return element?.isConnected ? element : undefined;
}
