/** Escapes text for HTML; every value that reaches a page goes through it. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A small page: the demo's pages read as the example a user would copy, so no template engine. */
export function page(title: string, color: string, body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#222}
header{border-bottom:4px solid ${color};margin-bottom:1rem}h1{margin:.2rem 0}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
a.button,button{display:inline-block;background:${color};color:#fff;border:0;padding:.5rem 1rem;border-radius:4px;text-decoration:none;font-size:1rem}
</style></head><body><header><h1>${esc(title)}</h1></header>${body}</body></html>`;
}

export function table(rows: ReadonlyArray<readonly [string, unknown]>): string {
  return `<table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(Array.isArray(v) ? v.join(', ') : v ?? '')}</td></tr>`).join('')}</table>`;
}
