// The Worker's size and how long V8 (the engine of workerd) takes to compile and
// instantiate it, against the baseline Worker built the same way.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { ROOT } from '../tests/support/worker.mjs';

export const BASELINES = {
  size: 'the baseline Worker (functions/bench-baseline): the worker crate and nothing else, built by the same worker-build --release',
};

const SEGNALA = path.join(ROOT, 'functions/worker/build/index_bg.wasm');
const BASELINE = path.join(ROOT, 'functions/bench-baseline/build/index_bg.wasm');
// Cloudflare's limit on a Worker after compression: 3 MB on the Free plan, 10 MB on Paid.
const FREE_PLAN_LIMIT = 3 * 1024 * 1024;

function wasmFile(file) {
  if (!fs.existsSync(file)) throw new Error(`no ${file}: run scripts/bench, which builds it`);
  return file;
}

/** Median milliseconds to compile the module, and to instantiate it with inert imports
 * (nothing runs at instantiation: wasm-bindgen starts the module later). */
async function startupMs(bytes, runs) {
  const compile = [];
  const instantiate = [];
  for (let i = 0; i < runs; i++) {
    let at = performance.now();
    const module = await WebAssembly.compile(bytes);
    compile.push(performance.now() - at);
    const imports = {};
    for (const entry of WebAssembly.Module.imports(module)) {
      imports[entry.module] ??= {};
      imports[entry.module][entry.name] = entry.kind === 'function' ? () => undefined
        : entry.kind === 'memory' ? new WebAssembly.Memory({ initial: 17 })
          : entry.kind === 'table' ? new WebAssembly.Table({ initial: 0, element: 'anyfunc' })
            // wasm-bindgen imports the engine's own JavaScript exception tag.
            : entry.kind === 'tag' ? WebAssembly.JSTag
            : new WebAssembly.Global({ value: 'i32', mutable: true }, 0);
    }
    at = performance.now();
    await WebAssembly.instantiate(module, imports);
    instantiate.push(performance.now() - at);
  }
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { compile: median(compile), instantiate: median(instantiate) };
}

export async function measureSize({ quick = false } = {}) {
  const own = fs.readFileSync(wasmFile(SEGNALA));
  const base = fs.readFileSync(wasmFile(BASELINE));
  const gzip = (bytes) => zlib.gzipSync(bytes, { level: 9 }).length;
  const runs = quick ? 3 : 11;
  const ownStart = await startupMs(own, runs);
  const baseStart = await startupMs(base, runs);
  const row = (measure, unit, value, baseline) => ({ group: 'size', subject: 'Worker wasm module', measure, unit, value, baseline, ratio: value / baseline });
  return [
    row('raw', 'KB', own.length / 1024, base.length / 1024),
    row('gzip -9', 'KB', gzip(own) / 1024, gzip(base) / 1024),
    row('gzip, of the 3 MB Free limit', '%', (100 * gzip(own)) / FREE_PLAN_LIMIT, (100 * gzip(base)) / FREE_PLAN_LIMIT),
    row('compile (V8, median)', 'ms', ownStart.compile, baseStart.compile),
    row('instantiate (V8, median)', 'ms', ownStart.instantiate, baseStart.instantiate),
  ];
}
