import { useEffect, useRef, useState } from "react";
import { Card, ErrorMessage, Field, Form, Notice, SelectField, Spinner, SubmitButton, TextAreaField, formatDateTime, isApiError, serverFieldErrors, useAction, useLoad, usePageTitle, type FieldErrors } from "@kservices/shared";
import { adminApi, type RateLimitRule } from "../api";
import { describeDefault, fromDefault, looserThanDefault, type RuleValues } from "../ruleDefaults";

// Scheme, a host name, IPv4 or bracketed IPv6 address, and an optional port; the server's checks are finer.
const ORIGIN = /^https?:\/\/([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?$/i;

export function validateOrigins(lines: string[]): FieldErrors {
  const errors: FieldErrors = {};
  lines.forEach((line, index) => {
    if (!ORIGIN.test(line)) errors[`origins.${index}`] = `"${line}" is not an origin like https://app.example.com (scheme and host, no path or trailing slash).`;
  });
  const seen = new Set<string>();
  lines.forEach((line, index) => {
    const key = line.toLowerCase();
    if (seen.has(key) && !errors[`origins.${index}`]) errors[`origins.${index}`] = `"${line}" is listed twice.`;
    seen.add(key);
  });
  return errors;
}

const CONFLICT_TEXT = "Someone else changed these settings since you loaded them. Reload to see the latest version, then apply your change again.";
const OVERRIDES = {
  conflict: CONFLICT_TEXT,
  stale_version: CONFLICT_TEXT,
  insufficient_role: "Only a superadmin can change settings.",
  settings_not_published: "Saved, but not in effect yet: it could not be published to the servers (Redis is unavailable). The admin server publishes it within seconds of Redis answering again.",
};

// 503 settings_not_published: the change is stored under a new version. Reading it back keeps the next save from a
// 409 that would blame someone else.
function reloadIfStored(error: unknown, reload: () => void): void {
  if (isApiError(error) && error.code === "settings_not_published") reload();
}

export function CorsEditor() {
  const cors = useLoad(() => adminApi.cors(), []);
  const [text, setText] = useState("");
  const [clientErrors, setClientErrors] = useState<FieldErrors>({});
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (cors.data) setText(cors.data.origins.join("\n"));
  }, [cors.data]);
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  // The busy Save button lost focus to <body>: once saved, focus goes to the notice saying so.
  const savedRef = useRef<HTMLDivElement>(null);
  const save = useAction(async () => {
    try {
      cors.setData(await adminApi.saveCors({ origins: lines, version: cors.data!.version }));
    } catch (error) {
      reloadIfStored(error, cors.reload);
      throw error;
    }
    setSaved(true);
  }, { focusAfter: [savedRef] });
  if (cors.loading && !cors.data) return <Card title="CORS origins" subsection><Spinner /></Card>;
  if (cors.error && !cors.data) return <Card title="CORS origins" subsection><ErrorMessage error={cors.error} onRetry={cors.reload} /></Card>;
  const errors = { ...serverFieldErrors(save.error), ...clientErrors };
  const originErrors = Object.entries(errors).filter(([k]) => k === "origins" || k.startsWith("origins.")).map(([k, v]) => {
    const index = Number(k.split(".")[1]);
    return Number.isNaN(index) || !lines[index] || v.includes(lines[index]) ? v : `Line ${index + 1} (${lines[index]}): ${v}`;
  });
  const conflict = isApiError(save.error) && save.error.status === 409;
  return (
    <Card title="CORS origins" subsection>
      <p className="muted">Version {cors.data!.version}{cors.data!.updatedAt ? `, updated ${formatDateTime(cors.data!.updatedAt)}` : ""}{cors.data!.updatedBy ? ` by ${cors.data!.updatedBy}` : ""}.</p>
      {saved ? <Notice ref={savedRef}>CORS origins saved; the public server applies them within seconds.</Notice> : null}
      <ErrorMessage error={save.error} overrides={OVERRIDES} knownFields={Object.keys(errors)} />
      {conflict ? <button type="button" className="button" onClick={() => { save.setError(null); cors.reload(); }}>Reload latest settings</button> : null}
      <Form
        onSubmit={() => {
          setSaved(false);
          const e = validateOrigins(lines);
          setClientErrors(e);
          if (Object.keys(e).length === 0) void save.run();
        }}
        label="CORS origins"
        error={save.error}
      >
        <TextAreaField label="Allowed origins (one per line)" name="origins" value={text} onChange={setText} error={originErrors.length ? originErrors.join(" ") : undefined} hint="Scheme, host and optional port, e.g. https://shop.example.com" spellCheck={false} />
        <SubmitButton busy={save.busy}>Save origins</SubmitButton>
      </Form>
    </Card>
  );
}

// `added`: a rule made by "Add rule" in this edit, which takes its group's default when its group is picked.
// `storedUser`: a stored user scope on a group without a signed-in user, which the gateway counts per IP: the form
// holds ip, and saving stores it.
interface RuleForm extends RuleValues {
  routeGroup: string;
  id?: string;
  added?: boolean;
  storedUser?: boolean;
}

function toForm(rule: RateLimitRule, anonymous: Set<string>): RuleForm {
  const form = { ...rule, limit: String(rule.limit), windowSeconds: String(rule.windowSeconds) };
  return anonymous.has(rule.routeGroup) && rule.scope === "user" ? { ...form, scope: "ip", storedUser: true } : form;
}

const SCOPES = [{ value: "ip", label: "Per IP" }, { value: "user", label: "Per user" }];

function scopeHint(rule: RuleForm): string {
  return rule.storedUser
    ? `Stored as per user, but no signed-in user reaches ${rule.routeGroup}: the gateway counts it per IP, and saving stores Per IP.`
    : `Per IP only: no signed-in user reaches ${rule.routeGroup}.`;
}

export function validateRules(rules: RuleForm[]): FieldErrors {
  const errors: FieldErrors = {};
  rules.forEach((rule, i) => {
    if (!rule.routeGroup.trim()) errors[`rules.${i}.routeGroup`] = "Choose a route group.";
    if (!/^\d+$/.test(rule.limit) || Number(rule.limit) < 1 || Number(rule.limit) > 1_000_000) errors[`rules.${i}.limit`] = "Use a whole number from 1 to 1000000.";
    if (!/^\d+$/.test(rule.windowSeconds) || Number(rule.windowSeconds) < 1 || Number(rule.windowSeconds) > 86400) errors[`rules.${i}.windowSeconds`] = "Use 1 to 86400 seconds.";
  });
  const seen = new Set<string>();
  rules.forEach((rule, i) => {
    // The gateway keys rules by route group: one rule per group, whatever its scope (as the API checks).
    const key = rule.routeGroup.trim();
    if (seen.has(key) && !errors[`rules.${i}.routeGroup`]) errors[`rules.${i}.routeGroup`] = "This route group already has a rule: one rule per route group.";
    seen.add(key);
  });
  return errors;
}

function warningHint(text?: string) {
  return text ? <span className="field-warning">{text}</span> : undefined;
}

// One rule's fields. `base` is its group's built-in default: shown under the group, and the fields that let more
// through than it say so, tied to the field like its error.
function RuleFields({ rule, index: i, groups, base, anonymous, errors, update, pickGroup, remove }: {
  rule: RuleForm;
  index: number;
  groups: string[];
  base?: RateLimitRule;
  anonymous: boolean;
  errors: FieldErrors;
  update: (change: Partial<RuleForm>) => void;
  pickGroup: (routeGroup: string) => void;
  remove: () => void;
}) {
  const looser = base ? looserThanDefault(rule, base) : {};
  const enabledWarning = `rules-${i}-enabled-warning`;
  return (
    <fieldset className="form-row" aria-label={`Rule ${i + 1}`}>
      <legend>Rule {i + 1}</legend>
      <SelectField
        label="Route group"
        name={`rules.${i}.routeGroup`}
        value={rule.routeGroup}
        onChange={pickGroup}
        options={[
          ...(rule.routeGroup === "" ? [{ value: "", label: "Choose a route group" }] : []),
          ...[...new Set([...groups, ...(rule.routeGroup ? [rule.routeGroup] : [])])].map((g) => ({ value: g, label: g })),
        ]}
        error={errors[`rules.${i}.routeGroup`]}
        hint={base ? describeDefault(base) : undefined}
      />
      <SelectField label="Scope" name={`rules.${i}.scope`} value={rule.scope} onChange={(v) => update({ scope: v as RuleForm["scope"] })} options={anonymous ? SCOPES.slice(0, 1) : SCOPES} error={errors[`rules.${i}.scope`]} hint={anonymous ? scopeHint(rule) : undefined} />
      <Field label="Limit" name={`rules.${i}.limit`} inputMode="numeric" value={rule.limit} onChange={(v) => update({ limit: v })} error={errors[`rules.${i}.limit`]} hint={warningHint(looser.limit)} />
      <Field label="Window (s)" name={`rules.${i}.windowSeconds`} inputMode="numeric" value={rule.windowSeconds} onChange={(v) => update({ windowSeconds: v })} error={errors[`rules.${i}.windowSeconds`]} />
      <SelectField label="If Redis is down" name={`rules.${i}.failMode`} value={rule.failMode} onChange={(v) => update({ failMode: v as RuleForm["failMode"] })} options={[{ value: "open", label: "Allow (open)" }, { value: "closed", label: "Refuse (closed)" }]} error={errors[`rules.${i}.failMode`]} hint={warningHint(looser.failMode)} />
      <label className="checkbox"><input type="checkbox" checked={rule.enabled} onChange={(e) => update({ enabled: e.target.checked })} aria-describedby={looser.enabled ? enabledWarning : undefined} /> Enabled</label>
      {looser.enabled ? <p className="field-hint" id={enabledWarning}>{warningHint(looser.enabled)}</p> : null}
      <button type="button" className="button button-small" onClick={remove}>
        Remove{" "}<span className="visually-hidden">rule {i + 1}</span>
      </button>
    </fieldset>
  );
}

export function RateLimitEditor() {
  const settings = useLoad(() => adminApi.rateLimits(), []);
  const [rules, setRules] = useState<RuleForm[]>([]);
  const [clientErrors, setClientErrors] = useState<FieldErrors>({});
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (settings.data) setRules(settings.data.rules.map((rule) => toForm(rule, new Set(settings.data!.anonymousGroups))));
  }, [settings.data]);
  // Focus goes where the keyboard user goes on: the notice after a save (the busy button lost it), the new rule's first
  // field after "Add rule", and "Add rule" after a rule's Remove button went with its rule.
  const savedRef = useRef<HTMLDivElement>(null);
  const addRef = useRef<HTMLButtonElement>(null);
  const [added, setAdded] = useState<{ index: number } | null>(null);
  useEffect(() => {
    if (added) document.querySelector<HTMLElement>(`[name="rules.${added.index}.routeGroup"]`)?.focus();
  }, [added]);
  const save = useAction(async () => {
    const payload: RateLimitRule[] = rules.map((r) => ({
      ...(r.id ? { id: r.id } : {}),
      routeGroup: r.routeGroup.trim(),
      scope: r.scope,
      limit: Number(r.limit),
      windowSeconds: Number(r.windowSeconds),
      failMode: r.failMode,
      enabled: r.enabled,
    }));
    try {
      settings.setData(await adminApi.saveRateLimits({ rules: payload, version: settings.data!.version }));
    } catch (error) {
      reloadIfStored(error, settings.reload);
      throw error;
    }
    setSaved(true);
  }, { focusAfter: [savedRef] });
  if (settings.loading && !settings.data) return <Card title="Rate limits" subsection><Spinner /></Card>;
  if (settings.error && !settings.data) return <Card title="Rate limits" subsection><ErrorMessage error={settings.error} onRetry={settings.reload} /></Card>;
  const errors = { ...serverFieldErrors(save.error), ...clientErrors };
  const update = (index: number, change: Partial<RuleForm>) => setRules(rules.map((r, i) => (i === index ? { ...r, ...change } : r)));
  const defaults = new Map(settings.data!.defaults.map((rule) => [rule.routeGroup, rule]));
  const anonymous = new Set(settings.data!.anonymousGroups);
  // A group without a signed-in user takes scope ip only, whatever the rule held.
  const pickGroup = (index: number, routeGroup: string) => {
    const base = defaults.get(routeGroup);
    const change: Partial<RuleForm> = rules[index].added && base ? { routeGroup, ...fromDefault(base) } : { routeGroup };
    update(index, { ...change, storedUser: false, ...(anonymous.has(routeGroup) ? { scope: "ip" } : {}) });
  };
  const conflict = isApiError(save.error) && save.error.status === 409;
  return (
    <Card title="Rate limits" subsection>
      <p className="muted">Version {settings.data!.version}{settings.data!.updatedAt ? `, updated ${formatDateTime(settings.data!.updatedAt)}` : ""}. The gateway applies changes within seconds.</p>
      <p className="muted">{settings.data!.rules.length ? "A route group without a rule here keeps the gateway's default limit." : "No rules are stored: every route group has the gateway's default limit."}</p>
      {saved ? <Notice ref={savedRef}>Rate limits saved.</Notice> : null}
      <ErrorMessage error={save.error} overrides={OVERRIDES} knownFields={Object.keys(errors)} />
      {conflict ? <button type="button" className="button" onClick={() => { save.setError(null); settings.reload(); }}>Reload latest settings</button> : null}
      <Form
        onSubmit={() => {
          setSaved(false);
          const e = validateRules(rules);
          setClientErrors(e);
          if (Object.keys(e).length === 0) void save.run();
        }}
        label="Rate limit rules"
        error={save.error}
      >
        {rules.map((rule, i) => (
          <RuleFields
            key={i}
            rule={rule}
            index={i}
            groups={[...defaults.keys()]}
            base={defaults.get(rule.routeGroup)}
            anonymous={anonymous.has(rule.routeGroup)}
            errors={errors}
            update={(change) => update(i, change)}
            pickGroup={(routeGroup) => pickGroup(i, routeGroup)}
            remove={() => { addRef.current?.focus(); setRules(rules.filter((_, j) => j !== i)); }}
          />
        ))}
        <div className="actions">
          <button ref={addRef} type="button" className="button" onClick={() => { setRules([...rules, { routeGroup: "", scope: "ip", limit: "", windowSeconds: "", failMode: "closed", enabled: true, added: true }]); setAdded({ index: rules.length }); }}>Add rule</button>
          <SubmitButton busy={save.busy}>Save rules</SubmitButton>
        </div>
      </Form>
    </Card>
  );
}

export function SettingsPage() {
  usePageTitle("Settings");
  return (
    <>
      <h1>Settings</h1>
      <CorsEditor />
      <RateLimitEditor />
    </>
  );
}
