import { escapeHtml } from '@koa-mellon/saml';
import type { PageTheme } from './page-settings.js';

/**
 * The built-in pages' document: one stylesheet for every role (error, chooser, identity-first
 * form, consent), the app's name in a header bar, its accent colour on buttons, links and the focus
 * ring. Readable at 390 px (viewport meta, 16 px type), landmarks, visible focus; no script.
 */
const STYLE =
  '*{box-sizing:border-box}' +
  'body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#f3f4f6}' +
  'header{background:var(--accent);color:#fff;padding:.8rem 1.25rem;font-weight:600;font-size:1.05rem}' +
  'main{max-width:34rem;margin:3rem auto;padding:2rem;background:#fff;border:1px solid #d0d7de;border-radius:8px}' +
  '@media (max-width:40rem){body{background:#fff}main{margin:0;border:0;border-radius:0;padding:1.5rem 1.25rem}}' +
  'h1{font-size:1.5rem;line-height:1.25;margin:0 0 1rem}' +
  'a{color:var(--accent)}' +
  ':focus-visible{outline:3px solid var(--accent);outline-offset:3px}' +
  '.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1.5rem}' +
  '.button{display:inline-block;font:inherit;font-weight:600;padding:.6rem 1.25rem;border:2px solid var(--accent);border-radius:6px;background:var(--accent);color:#fff;text-decoration:none;cursor:pointer}' +
  '.button.secondary{background:#fff;color:var(--accent)}' +
  'label{display:block;font-weight:600;margin-bottom:.25rem}' +
  'input[type=email],input[type=text]{font:inherit;width:100%;padding:.55rem .6rem;border:1px solid #57606a;border-radius:6px}' +
  '.check{display:flex;gap:.5rem;align-items:flex-start;font-weight:400;margin-top:1rem}.check input{width:1.1rem;height:1.1rem;margin-top:.2rem}' +
  '.notice{border-left:4px solid #b00020;padding:.5rem .75rem;background:#fdecee}' +
  '.muted{color:#57606a;font-size:.9rem}' +
  '.reference{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:.75rem 1rem}' +
  'code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.95em}' +
  'ul.choices{list-style:none;padding:0;margin:1rem 0}ul.choices li{margin:.5rem 0}' +
  '.choice{display:flex;align-items:center;gap:.75rem;padding:.75rem 1rem;border:1px solid #d0d7de;border-radius:6px;color:inherit;text-decoration:none}' +
  '.choice:hover{border-color:var(--accent);background:#f6f8fa}.choice img{max-height:40px;max-width:80px;width:auto;height:auto}' +
  '.choice .name{font-weight:600;color:var(--accent)}.choice .detail{display:block;color:#57606a;font-size:.9rem}' +
  'table.released{border-collapse:collapse;width:100%;margin:1rem 0}' +
  'table.released th,table.released td{text-align:left;padding:.5rem .75rem .5rem 0;vertical-align:top;border-bottom:1px solid #d0d7de;overflow-wrap:anywhere}' +
  'table.released th{font-weight:600;width:40%}';

export interface PageDocument {
  /** The page's own title (the app's name is added). */
  readonly title: string;
  /** The inside of `<main>`: already escaped HTML. */
  readonly body: string;
  /** Extra `<head>` markup, already escaped (the error page's timed redirect). */
  readonly head?: string | undefined;
}

/** A whole built-in page. */
export function pageDocument(theme: PageTheme, page: PageDocument): string {
  const app = theme.appName === undefined ? undefined : escapeHtml(theme.appName);
  const title = app === undefined ? escapeHtml(page.title) : `${escapeHtml(page.title)} · ${app}`;
  const header = app === undefined ? '' : `<header>${app}</header>`;
  // The accent is validated as a hex colour at start-up (page-settings.ts): safe in the stylesheet.
  return (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${title}</title>${page.head ?? ''}<style>:root{--accent:${theme.accentColor}}${STYLE}</style></head>` +
    `<body>${header}<main>${page.body}</main></body></html>`
  );
}
