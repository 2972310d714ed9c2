import type { Output } from './output.js';

/** Below this many days left, a certificate's expiry is worth a warning. */
export const EXPIRY_WARNING_DAYS = 30;

/**
 * What `check` prints, in plain indented lines, with problems (something will fail: exit 1) and
 * warnings (worth a look: the exit status stays 0) counted as they are written.
 */
export class Report {
  problems = 0;
  warnings = 0;
  constructor(private readonly io: Output) {}

  line(indent: number, text: string): void {
    this.io.out(`${'  '.repeat(indent)}${text}`);
  }

  problem(indent: number, text: string): void {
    this.problems++;
    this.line(indent, `problem: ${text}`);
  }

  warning(indent: number, text: string): void {
    this.warnings++;
    this.line(indent, `warning: ${text}`);
  }
}
