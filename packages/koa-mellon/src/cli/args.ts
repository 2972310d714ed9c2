import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './output.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * A command's options, parsed strictly: an unknown option, a missing value or a stray positional is
 * a UsageError (node:util's parseArgs throws a TypeError whose message says which).
 */
export function parseOptions<T extends Options>(args: readonly string[], options: T): ReturnType<typeof parseArgs<{ options: T; strict: true }>>['values'] {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** A whole number in [min, max] from an option's text. */
export function integerOption(name: string, text: string, min: number, max: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new UsageError(`--${name}: expected a whole number from ${min} to ${max}`);
  return value;
}
