import type { Logger } from '../settings/types.js';

/** A metadata source event as the runtime logs it: `{ idp, event, location, code? }`. */
export interface MetadataNote {
  readonly idp: number;
  readonly event: string;
  readonly code?: string | undefined;
}

/**
 * A logger that keeps the runtime's metadata events per IdP, so `check` can tell a fresh download
 * from a cached copy served because the download failed. Other log lines are dropped.
 */
export function metadataEventLog(): { readonly logger: Logger; notesOf(idp: number): MetadataNote[] } {
  const notes: MetadataNote[] = [];
  const keep = (fields: object): void => {
    if (!('idp' in fields && typeof fields.idp === 'number' && 'event' in fields && typeof fields.event === 'string')) return;
    const code = 'code' in fields && typeof fields.code === 'string' ? fields.code : undefined;
    notes.push({ idp: fields.idp, event: fields.event, code });
  };
  return {
    logger: { debug: keep, info: keep, warn: keep, error: keep },
    notesOf: (idp) => notes.filter((note) => note.idp === idp),
  };
}
