#!/usr/bin/env node
// The `koa-mellon` command: runs the compiled CLI in dist/. In a checkout of the repository,
// from-source.mjs (not published) runs the TypeScript sources instead, so the command always matches the code.
import { existsSync } from 'node:fs';

const fromSource = new URL('./from-source.mjs', import.meta.url);
const { runCli } = existsSync(fromSource) ? await import(fromSource.href) : await import('../dist/cli/main.js');
const code = await runCli(process.argv.slice(2));
process.exitCode = code;
// The settings may hold open handles the CLI does not own (a Redis-backed Keyv store): once the
// output is written, do not wait for them. unref: a process with nothing left exits at once.
setTimeout(() => process.exit(code), 1000).unref();
