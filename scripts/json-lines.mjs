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
