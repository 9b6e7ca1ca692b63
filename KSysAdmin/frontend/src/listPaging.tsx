import { useKeyedState, useRouter } from "@kservices/shared";

// Filters kept in the URL query: `current` is what the URL says, `form` what is being typed (back to what the URL
// says at every navigation); apply() puts the trimmed non-empty form values in the URL, which starts the list
// again at its first page.
export function useQueryFilters<K extends string>(keys: readonly K[], path: string) {
  const { query, navigate, locationKey } = useRouter();
  const current = Object.fromEntries(keys.map((key) => [key, query.get(key) ?? ""])) as Record<K, string>;
  const [form, setForm] = useKeyedState(current, locationKey);
  const apply = () => {
    const params = new URLSearchParams();
    for (const key of keys) if (form[key].trim()) params.set(key, form[key].trim());
    navigate(`${path}${params.toString() ? `?${params}` : ""}`, { replace: true });
  };
  // `update` changes several keys at once (one select that stands for two query parameters).
  const update = (values: Partial<Record<K, string>>) => setForm({ ...form, ...values });
  const set = (key: K) => (value: string) => update({ [key]: value } as Partial<Record<K, string>>);
  return { current, form, set, update, apply, queryKey: query.toString() };
}
