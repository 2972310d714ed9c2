/**
 * One readable line per SAML step, e.g. `[acme] AuthnRequest sent  idp=http://...`. With
 * DEMO_DEBUG=1, the decoded messages too (koa-mellon redacts signatures and ciphertext).
 */
export function demoLogger(app: string, debug: boolean) {
  const line = (level: string) => (fields: object, message?: string) => {
    const text = (message ?? '').replace(/^koa-mellon(\/idp)?: /, '');
    const details = Object.entries(fields)
      // Lists of plain values (the relaxations in force, say) are shown too, comma-separated.
      .filter(([key, value]) => key !== 'message' && value !== undefined && (typeof value !== 'object' || isPlainList(value)))
      .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : String(value)}`)
      .join(' ');
    const body = 'message' in fields && typeof fields.message === 'string' ? `\n${fields.message}` : '';
    console.log(`${level === 'info' ? '' : `${level.toUpperCase()} `}[${app}] ${text}${details ? `  ${details}` : ''}${body}`);
  };
  return { debug: debug ? line('debug') : () => {}, info: line('info'), warn: line('warn'), error: line('error') };
}

function isPlainList(value: unknown): value is Array<string | number | boolean> {
  return Array.isArray(value) && value.every((item) => ['string', 'number', 'boolean'].includes(typeof item));
}
