import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { ErrorBoundary, reloadWhenRestoredFromCache } from "@kservices/shared";
import "@kservices/shared/styles.css";
import { App } from "./App";

reloadWhenRestoredFromCache();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <ErrorBoundary>
      <App />
    </ErrorBoundary>
  </StrictMode>,
);
