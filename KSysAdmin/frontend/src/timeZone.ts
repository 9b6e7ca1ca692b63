// The browser's time zone (its IANA name), in which date and date-time inputs are read: the list filters name it.
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "local time";
}
