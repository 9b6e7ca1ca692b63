// A page restored from the back/forward cache shows what it held when it was left, even after a sign-out in
// another app of this site (Back from the sign-in page to a payment list). Each app calls this once at start:
// a page put in that cache is hidden, and reloaded when it is restored, so it asks the server again.
export function reloadWhenRestoredFromCache(reload: () => void = () => window.location.reload()): () => void {
  const onPageHide = (event: PageTransitionEvent) => {
    if (event.persisted) document.documentElement.style.visibility = "hidden";
  };
  const onPageShow = (event: PageTransitionEvent) => {
    if (event.persisted) reload();
  };
  window.addEventListener("pagehide", onPageHide);
  window.addEventListener("pageshow", onPageShow);
  return () => {
    window.removeEventListener("pagehide", onPageHide);
    window.removeEventListener("pageshow", onPageShow);
  };
}
