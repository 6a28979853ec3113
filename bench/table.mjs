// The benchmark rows as a plain-text table, grouped, with what each group's baseline is.
const number = (value) => {
  if (value === undefined || Number.isNaN(value)) return '–';
  if (Number.isInteger(value)) return value.toLocaleString('en');
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
};

export function table(rows, baselines) {
  const lines = [];
  const columns = [['subject', 60], ['measure', 30], ['value', 12], ['baseline', 12], ['ratio', 8]];
  const pad = (text, width, right) => (right ? String(text).padStart(width) : String(text).padEnd(width));
  for (const group of [...new Set(rows.map((r) => r.group))]) {
    lines.push('', `== ${group}${baselines[group] ? ` — baseline: ${baselines[group]}` : ''}`);
    lines.push(columns.map(([name, width], i) => pad(name, width, i > 1)).join(' '));
    for (const row of rows.filter((r) => r.group === group)) {
      lines.push([
        pad(row.subject, 60), pad(row.measure, 30),
        pad(`${number(row.value)} ${row.unit}`, 12, true),
        pad(row.baseline === undefined ? '–' : `${number(row.baseline)}`, 12, true),
        pad(row.ratio === undefined ? '–' : `${number(row.ratio)}×`, 8, true),
      ].join(' ') + (row.errors ? `  errors: ${JSON.stringify(row.errors)}` : ''));
    }
  }
  return lines.join('\n');
}
