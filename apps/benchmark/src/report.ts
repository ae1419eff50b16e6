/** The results folder: report.md (tables), results.json (every number) and the SVG charts. */
import path from 'node:path';
import { writeFileDurable } from '@trajectorynet/core/node';
import type { MachineInfo } from './machine.js';
import type { SuiteResult, Table } from './suite.js';

export interface SuiteOutcome {
  name: string;
  description: string;
  seconds: number;
  result?: SuiteResult;
  error?: string;
}

function cell(value: string | number): string {
  if (typeof value === 'string') return value.replaceAll('|', '\\|');
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toPrecision(3);
}

export function markdownTable(table: Table): string {
  const lines = [`#### ${table.title}`, '', `| ${table.columns.join(' | ')} |`, `| ${table.columns.map(() => '---').join(' | ')} |`];
  for (const row of table.rows) lines.push(`| ${row.map(cell).join(' | ')} |`);
  if (table.note) lines.push('', table.note);
  return lines.join('\n');
}

export function markdownReport(outcomes: SuiteOutcome[], machine: MachineInfo, command: string): string {
  const parts = [
    '# TrajectoryNet benchmark',
    '',
    `Command: \`${command}\``,
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB; ${machine.platform}; Node ${machine.node}; tfjs ${machine.tfjs} on the **${machine.backend}** backend; ${machine.date}.`,
  ];
  for (const o of outcomes) {
    parts.push('', `## ${o.name}`, '', `${o.description} (${o.seconds.toFixed(0)} s)`);
    if (o.error != null) {
      parts.push('', `**Failed:** ${o.error}`);
      continue;
    }
    for (const table of o.result?.tables ?? []) parts.push('', markdownTable(table));
    for (const chart of Object.keys(o.result?.charts ?? {})) parts.push('', `![${chart}](${chart})`);
  }
  return `${parts.join('\n')}\n`;
}

export async function writeResults(outDir: string, outcomes: SuiteOutcome[], machine: MachineInfo, command: string): Promise<void> {
  for (const o of outcomes) {
    for (const [name, svg] of Object.entries(o.result?.charts ?? {})) await writeFileDurable(path.join(outDir, name), svg);
  }
  const json = {
    command,
    machine,
    suites: outcomes.map((o) => ({ name: o.name, seconds: o.seconds, error: o.error, tables: o.result?.tables, data: o.result?.data })),
  };
  await writeFileDurable(path.join(outDir, 'results.json'), `${JSON.stringify(json, null, 2)}\n`);
  await writeFileDurable(path.join(outDir, 'report.md'), markdownReport(outcomes, machine, command));
}
