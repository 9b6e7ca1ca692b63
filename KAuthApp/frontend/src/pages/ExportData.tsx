import { useRef, useState } from "react";
import { Card, ErrorMessage, Notice, useAction } from "@kservices/shared";
import { authApi } from "../api";

// Hands `text` to the browser as a download named `fileName`, through a temporary link to an object URL.
function saveFile(fileName: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked once the click's download has taken the file.
  setTimeout(() => URL.revokeObjectURL(url));
}

// The profile's "Your data" section: GET me/export, saved as the JSON file the server names.
export function ExportData() {
  const [savedAs, setSavedAs] = useState<{ fileName: string; cut: string[] } | null>(null);
  // The button is disabled while busy: focus then goes to the notice, or back to the button after a failure (its
  // error is an alert, read out as it appears).
  const savedRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const download = useAction(async () => {
    setSavedAs(null);
    const { fileName, text, cut } = await authApi.exportData();
    saveFile(fileName, text);
    setSavedAs({ fileName, cut });
  }, { focusAfter: [savedRef, buttonRef] });
  return (
    <Card title="Your data" subsection>
      <p>Download a copy of your data as a JSON file: your profile, your sessions, your payments and your account activity.</p>
      {savedAs ? (
        <Notice ref={savedRef}>
          Your data was downloaded as {savedAs.fileName}.
          {savedAs.cut.length ? ` Your ${savedAs.cut.join(" and ")} ${savedAs.cut.length > 1 ? "are" : "is"} too long for one file: it holds the newest 10,000 entries of each.` : null}
        </Notice>
      ) : null}
      <ErrorMessage error={download.error} />
      <button ref={buttonRef} type="button" className="button" onClick={() => void download.run()} disabled={download.busy} aria-busy={download.busy}>
        {download.busy ? "Preparing your file..." : "Download your data"}
      </button>
    </Card>
  );
}
