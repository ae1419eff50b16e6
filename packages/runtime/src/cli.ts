#!/usr/bin/env node
/** `trajectorynet-runtime`: which tfjs backend this machine gets, and whether training works on it. */
import { parseArgs } from 'node:util';
import { type BackendName, initBackend } from './backend.js';
import { selfCheck } from './self-check.js';

const HELP = `Usage: trajectorynet-runtime [--backend tensorflow|wasm|cpu] [--json]

Picks the tfjs backend as @trajectorynet/runtime's initBackend() does, prints
which one is active and why better ones were skipped, then checks that
gradients on it equal the plain cpu backend's.

Options:
  --backend NAME   use this backend (default: env TRAJECTORYNET_BACKEND, else the best that loads)
  --json           print the result as JSON
  -h, --help       show this help

Examples:
  trajectorynet-runtime
  TRAJECTORYNET_BACKEND=wasm trajectorynet-runtime --json`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { backend: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const info = await initBackend({ prefer: values.backend as BackendName | undefined, log: values.json ? null : console.log });
  const check = await selfCheck();
  if (values.json) {
    console.log(JSON.stringify({ ...info, selfCheck: check }, null, 2));
  } else {
    console.log(`kernels added by @trajectorynet/runtime: ${info.addedKernels.join(', ') || 'none'}`);
    console.log(
      `training self-check vs cpu: ${check.ok ? 'ok' : 'FAILED'} (max relative error ${check.maxRelativeError.toExponential(2)}, leaked tensors ${check.leakedTensors})`,
    );
  }
  return check.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`trajectorynet-runtime: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
