// Cuts export lines into import calls: at most 500 lines and 6 MB each (the import takes
// 500 lines and 8 MB), so a file of large tickets still goes through.
export function* batches(lines) {
  let batch = [];
  let bytes = 0;
  for (const line of lines) {
    const size = Buffer.byteLength(line) + 1;
    if (batch.length && (batch.length === 500 || bytes + size > 6 * 1024 * 1024)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(line);
    bytes += size;
  }
  if (batch.length) yield batch;
}

/** Sends export lines to a comune's import API batch by batch (`headers` sign an
 * administrator in); returns the totals. A refused batch throws, naming its lines. */
export async function importLines(url, headers, lines, { timeoutMs = 120_000 } = {}) {
  const totals = { imported: 0, skipped: 0, photosMissing: [] };
  let start = 0;
  for (const batch of batches(lines)) {
    const response = await fetch(`${url}/api/v1/staff/import/tickets`, {
      method: 'POST', headers: { ...headers, 'Content-Type': 'application/x-ndjson' },
      body: batch.join('\n'), signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await response.json();
    if (![200, 201].includes(response.status)) {
      // The answer counts lines from the start of the batch; the file from its own.
      const problems = (body.fields ?? [])
        .map((f) => `  ${f.field.replace(/^lines\[(\d+)\]/, (_, n) => `line ${start + Number(n)}`)}: ${f.message}`)
        .join('\n') || `  ${body.message ?? JSON.stringify(body).slice(0, 500)}`;
      throw new Error(`lines ${start + 1}-${start + batch.length} refused (${response.status}):\n${problems}`);
    }
    totals.imported += body.imported;
    totals.skipped += body.skipped;
    totals.photosMissing.push(...(body.photos_missing ?? []));
    start += batch.length;
  }
  return totals;
}
