import { useEffect, useRef, useState } from "react";
import { Card, ErrorMessage, Field, Form, Link, Notice, Spinner, SubmitButton, serverFieldErrors, useAction, useLoad, formatDateTime } from "@kservices/shared";
import { authApi, type Me, type ProfileChanges } from "../api";
import { DeleteAccount } from "./DeleteAccount";
import { ExportData } from "./ExportData";

// The API's rule: digits with spaces or dashes, and 7 to 15 digits (E.164's most; the shortest numbers in service
// have 7), separators not counted.
const PHONE = /^\+?[0-9][0-9 -]{0,22}$/;
const isDialable = (value: string) => PHONE.test(value) && /^(\D*\d){7,15}\D*$/.test(value);
const given = (value: string | null) => value?.trim() || null;

// Only the fields the user changed are sent (PATCH: an absent field stays as stored; an emptied one is null, which
// clears it). A stored phone number no configured key opens reads as null: sending that null back would erase it.
function changedFields(loaded: Me, displayName: string, phoneNumber: string): ProfileChanges {
  const changes: ProfileChanges = {};
  if (given(displayName) !== given(loaded.displayName)) changes.displayName = given(displayName);
  if (given(phoneNumber) !== given(loaded.phoneNumber)) changes.phoneNumber = given(phoneNumber);
  return changes;
}

export function ProfilePage() {
  const me = useLoad(() => authApi.me(), []);
  const [displayName, setDisplayName] = useState("");
  const [phoneNumber, setPhoneNumber] = useState("");
  const [phoneError, setPhoneError] = useState<string | undefined>();
  const [saved, setSaved] = useState(false);
  const [unchanged, setUnchanged] = useState(false);

  useEffect(() => {
    if (me.data) {
      setDisplayName(me.data.displayName ?? "");
      setPhoneNumber(me.data.phoneNumber ?? "");
    }
  }, [me.data]);

  // The busy button lost focus to <body>: once saved, focus goes to the notice saying so.
  const savedRef = useRef<HTMLDivElement>(null);
  const save = useAction(async (changes: ProfileChanges) => {
    const updated = await authApi.updateMe(changes);
    if (updated) me.setData(updated);
    setSaved(true);
  }, { focusAfter: [savedRef] });

  if (me.loading) return <Spinner />;
  if (me.error) return <Card title="Your profile"><ErrorMessage error={me.error} lead="Your profile could not be loaded." onRetry={me.reload} /></Card>;
  const profile = me.data!;
  const fieldErrors = serverFieldErrors(save.error);
  return (
    <>
      <Card title="Your profile">
        <dl className="details">
          <dt>Email</dt><dd data-testid="profile-email">{profile.email}</dd>
          <dt>Two-factor</dt><dd>{profile.mfaEnabled ? "Enabled" : "Not enabled"} (<Link to="/mfa">manage</Link>)</dd>
          {profile.createdAt ? (<><dt>Member since</dt><dd>{formatDateTime(profile.createdAt)}</dd></>) : null}
        </dl>
      </Card>
      <Card title="Edit profile" subsection>
        {saved ? <Notice ref={savedRef}>Your profile was saved.</Notice> : null}
        {unchanged ? <Notice tone="info">Nothing to save: you have not changed your profile.</Notice> : null}
        <ErrorMessage error={save.error} knownFields={["displayName", "phoneNumber"]} />
        <Form
          onSubmit={() => {
            setSaved(false);
            const changes = changedFields(profile, displayName, phoneNumber);
            // A number kept as stored is not checked again: one stored before the rule still reads as stored.
            const error = changes.phoneNumber && !isDialable(changes.phoneNumber) ? "Enter a phone number like +62 812-3456-7890: 7 to 15 digits, with spaces or dashes if you like." : undefined;
            setPhoneError(error);
            const nothing = Object.keys(changes).length === 0;
            setUnchanged(!error && nothing);
            if (!error && !nothing) void save.run(changes);
          }}
          label="Edit profile"
          error={save.error}
        >
          <Field label="Display name" name="displayName" autoComplete="name" value={displayName} onChange={setDisplayName} error={fieldErrors.displayName} maxLength={100} />
          <Field label="Phone number" name="phoneNumber" type="tel" autoComplete="tel" value={phoneNumber} onChange={setPhoneNumber} error={phoneError ?? fieldErrors.phoneNumber} hint="Stored encrypted." />
          <SubmitButton busy={save.busy}>Save profile</SubmitButton>
        </Form>
      </Card>
      <ExportData />
      <DeleteAccount mfaEnabled={profile.mfaEnabled} />
    </>
  );
}
