/** `trajectorynet config`: the resolved config of a preset, file and --set flags, as `train` would run it (mmaction's print_config). */

import { PRESET_NAMES } from '@trajectorynet/training';
import type { Command } from 'commander';
import { collect } from '../options.js';
import { type ConfigFlags, runConfig } from './run-config.js';

export function registerConfigCommand(program: Command): void {
  program
    .command('config')
    .description('print the resolved config (preset, then --config file, then --set flags, defaults filled in) as JSON, without running anything')
    .option('-c, --config <file>', 'a JSON or YAML config')
    .option('-p, --preset <name>', `a preset: ${PRESET_NAMES.join(', ')}`)
    .option('-s, --set <key=value>', 'override one setting (key=null removes it; repeatable)', collect, [])
    .addHelpText(
      'after',
      '\nExamples:\n  trajectorynet config --preset trajectorynet-r18-tiny\n  trajectorynet config --config sth.yaml --set train.epochs=5 > resolved.json\n  trajectorynet config --preset s3d-r18 --set data.kind=list --set data.trainList=train.txt --set data.valList=val.txt',
    )
    .action(async (o: ConfigFlags) => {
      const { config } = await runConfig(o, { warn: (m) => console.error(`trajectorynet: warning: ${m}`) });
      console.log(JSON.stringify(config, null, 2));
    });
}
