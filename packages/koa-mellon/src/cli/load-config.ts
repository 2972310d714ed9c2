import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger, MellonSettings } from '../settings/types.js';

/** A config module that could not be used; the message says why, for the user to fix. */
export class ConfigFileError extends Error {
  override readonly name = 'ConfigFileError';
}

/**
 * The settings a config module exports: its default export, or a named export `settings`. The file
 * is imported, so it runs as the application would run it; `.ts` works only when a TypeScript loader
 * is registered (this repository's launcher registers tsx), plain node needs `.js` or `.mjs`.
 * Relative key paths in the settings resolve against the working directory, as in the application.
 */
export async function loadSettings(file: string): Promise<unknown> {
  const path = resolve(file);
  if (!existsSync(path)) throw new ConfigFileError(`${file}: no such file`);
  let loaded: Record<string, unknown>;
  try {
    // A module namespace object: its exports by name.
    loaded = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    const reason = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
    const hint = hasCode(err, 'ERR_UNKNOWN_FILE_EXTENSION') ? ' (without a TypeScript loader, use a .js or .mjs config)' : '';
    throw new ConfigFileError(`${file}: cannot be imported: ${reason}${hint}`);
  }
  const settings = loaded['default'] ?? loaded['settings'];
  if (settings === undefined) throw new ConfigFileError(`${file}: exports neither a default nor \`settings\``);
  return settings;
}

/**
 * The settings with our own logger: the CLI reports in plain words, and an application logger
 * (pino and the like) would print JSON lines between them.
 */
export function withLogger(settings: unknown, logger: Logger): MellonSettings {
  const plain = typeof settings === 'object' && settings !== null && !Array.isArray(settings);
  // createRuntime validates before anything else reads it: a non-object, or a bad key, becomes a
  // ConfigError there; `logger` itself is a known key, so adding it hides nothing.
  return (plain ? { ...settings, logger } : settings) as MellonSettings;
}

function hasCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === code;
}
