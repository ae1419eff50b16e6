/**
 * Option parsers for the command line: a bad value is refused by commander
 * before the command does anything (no Redis connection, no file read), and
 * the command line turns the refusal into one BAD_ARGUMENT line (exit 2).
 */
import { InvalidArgumentError } from 'commander';

export function positiveInteger(text: string): number {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer.');
  return n;
}

export function positiveNumber(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number.');
  return n;
}
