/** `trajectorynet info`: the tfjs backend this machine gets and whether training works on it. */
import type { Command } from 'commander';
import { initBackend, selfCheck } from '@trajectorynet/runtime';
import { PRESET_NAMES } from '@trajectorynet/training';

export function registerInfoCommand(program: Command): void {
  program
    .command('info')
    .description('show the tfjs backend, check that training works on it, and list the presets')
    .option('--backend <name>', 'tensorflow | wasm | cpu (default: env TRAJECTORYNET_BACKEND, else the best that loads)')
    .addHelpText('after', '\nExamples:\n  trajectorynet info\n  TRAJECTORYNET_BACKEND=cpu trajectorynet info')
    .action(async (options: { backend?: 'tensorflow' | 'wasm' | 'cpu' }) => {
      const info = await initBackend({ prefer: options.backend, log: console.log });
      const check = await selfCheck();
      console.log(`training self-check vs cpu: ${check.ok ? 'ok' : 'FAILED'} (max relative error ${check.maxRelativeError.toExponential(2)})`);
      console.log(`kernels added: ${info.addedKernels.join(', ') || 'none'}`);
      console.log(`presets: ${PRESET_NAMES.join(', ')}`);
      if (!check.ok) process.exitCode = 1;
    });
}
