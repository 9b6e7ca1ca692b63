export interface ChartPoint {
  label: string;
  value: number;
}

const WIDTH = 600;
const HEIGHT = 200;
const PAD = { top: 12, right: 8, bottom: 28, left: 56 };

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function compactNumber(value: number): string {
  return new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 }).format(value);
}

// A bar chart in plain SVG; one <title> per bar for hover, an accessible summary, and the day-by-day values as a table
// in a <details> (for keyboard and screen reader users). format writes the total, the hover titles and the table; the
// axis ticks are always compact (with unit before them), as the margin holds ~8 characters. zone names the time zone of
// the days (the table's header and the hover titles say it).
export function BarChart({ title, points, color = "#1f5fbf", format = compactNumber, unit = "", zone }: { title: string; points: ChartPoint[]; color?: string; format?: (value: number) => string; unit?: string; zone?: string }) {
  const inZone = zone ? ` (${zone})` : "";
  const max = niceMax(Math.max(0, ...points.map((p) => p.value)));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = points.length > 0 ? plotW / points.length : plotW;
  const barW = Math.max(1, slot * 0.7);
  const total = points.reduce((sum, p) => sum + p.value, 0);
  const labelEvery = Math.max(1, Math.ceil(points.length / 6));
  return (
    <figure className="chart card">
      <figcaption>
        {title} <span className="muted">(total {format(total)})</span>
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`${title}: ${points.length} ${points.length === 1 ? "day" : "days"}, total ${format(total)}`}>
        {[0, 0.5, 1].map((f) => {
          const y = PAD.top + plotH * (1 - f);
          return (
            <g key={f}>
              <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y} y2={y} stroke="#d7dbe3" strokeWidth={1} />
              <text x={PAD.left - 6} y={y + 4} textAnchor="end" fontSize={11} fill="#5b6475">{`${unit}${compactNumber(max * f)}`}</text>
            </g>
          );
        })}
        {points.map((p, i) => {
          const h = (p.value / max) * plotH;
          const x = PAD.left + i * slot + (slot - barW) / 2;
          return (
            <g key={p.label}>
              <rect x={x} y={PAD.top + plotH - h} width={barW} height={h} fill={color} data-value={p.value}>
                <title>{`${p.label}${inZone}: ${format(p.value)}`}</title>
              </rect>
              {i % labelEvery === 0 ? (
                <text x={x + barW / 2} y={HEIGHT - 8} textAnchor="middle" fontSize={11} fill="#5b6475">{p.label.slice(5)}</text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <details>
        <summary>{title} by day, as a table</summary>
        <table>
          <caption className="visually-hidden">{title} by day</caption>
          <thead><tr><th scope="col">{zone ? `Day${inZone}` : "Date"}</th><th scope="col">{title}</th></tr></thead>
          <tbody>{points.map((p) => <tr key={p.label}><th scope="row">{p.label}</th><td>{format(p.value)}</td></tr>)}</tbody>
        </table>
      </details>
    </figure>
  );
}
