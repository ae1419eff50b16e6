/**
 * Option parsers shared by the commands: a bad value is refused before any
 * work starts, with the option's name (commander prints it; the CLI exits 2).
 */
import { InvalidArgumentError } from 'commander';

export const collect = (value: string, previous: string[]) => [...previous, value];

/** An integer in [min, max]. */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (text: string): number => {
    const value = Number(text);
    if (!/^[+-]?\d+$/.test(text.trim()) || value < min || value > max) {
      throw new InvalidArgumentError(`expected an integer${max < Number.MAX_SAFE_INTEGER ? ` from ${min} to ${max}` : ` >= ${min}`}, got '${text}'`);
    }
    return value;
  };
}

/** A number above 0. */
export function positiveNumber(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) throw new InvalidArgumentError(`expected a positive number, got '${text}'`);
  return value;
}
