import { request, type IncomingHttpHeaders } from 'node:http';
import { hostname } from 'node:os';
import { ERROR_CODES } from '@koa-mellon/saml';

/** One HTTP answer, body read. */
export interface Answer {
  readonly request: string;
  readonly status: number;
  readonly location: string | undefined;
  readonly type: string;
  readonly body: string;
}

export type AcceptKind = 'json' | 'html';

/**
 * A browser of the fuzzer's own (node:http): a cookie jar, no redirect followed, every request over loopback
 * as if behind a TLS-terminating proxy (X-Forwarded-Proto: https, the apps set `proxy`).
 */
export class Browser {
  cookies = new Map<string, string>();

  /** `logicalOrigin` (https://sp.example.test) → `localOrigin` (http://127.0.0.1:port). */
  constructor(private readonly origins: ReadonlyMap<string, string>) {}

  snapshot(): Map<string, string> {
    return new Map(this.cookies);
  }

  restore(cookies: ReadonlyMap<string, string>): void {
    this.cookies = new Map(cookies);
  }

  async send(url: string, init: { method?: string; body?: Uint8Array; headers?: Record<string, string>; accept?: AcceptKind } = {}): Promise<Answer> {
    const target = new URL(this.local(url));
    const headers: Record<string, string> = { ...init.headers, 'x-forwarded-proto': 'https' };
    headers['accept'] = init.accept === 'html' ? 'text/html,application/xhtml+xml' : 'application/json';
    if (this.cookies.size > 0) headers['cookie'] = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (init.body) headers['content-length'] = String(init.body.length);
    const method = init.method ?? 'GET';
    const shown = `${method} ${url.length > 200 ? `${url.slice(0, 200)}…` : url}`;
    // One connection per request: a request the server cuts off (an oversized body) cannot
    // poison the next one through a shared keep-alive socket.
    const response = await new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = request(target, { method, headers, agent: false, timeout: 20_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('no answer within 20 s')));
      req.on('error', (err) => reject(new Error(`${shown}: ${String(err)}`)));
      req.end(init.body);
    });
    for (const line of response.headers['set-cookie'] ?? []) {
      const [pair] = line.split(';');
      const eq = (pair ?? '').indexOf('=');
      const name = (pair ?? '').slice(0, eq);
      const value = (pair ?? '').slice(eq + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const location = response.headers['location'];
    return { request: shown, status: response.status, location, type: response.headers['content-type'] ?? '', body: response.body };
  }

  private local(url: string): string {
    const parsed = new URL(url);
    const local = this.origins.get(parsed.origin);
    if (local === undefined) throw new Error(`the fuzzer only talks to its own loopback servers, not ${parsed.origin}`);
    return `${local}${parsed.pathname}${parsed.search}`;
  }
}

/** The refusal code an error page or its JSON shows (koa-mellon errors/pages.ts), if any. */
export function refusalCode(answer: Answer): string | undefined {
  if (answer.type.includes('json')) {
    try {
      const parsed = JSON.parse(answer.body) as { error?: unknown };
      return typeof parsed.error === 'string' ? parsed.error : undefined;
    } catch {
      return undefined;
    }
  }
  return /<code class="error-code">([A-Z0-9_]+)<\/code>/.exec(answer.body)?.[1];
}

export const DOCUMENTED_CODES: ReadonlySet<string> = new Set(Object.keys(ERROR_CODES));

const HOST = hostname();

/**
 * What no answer may show: a stack trace, a file path, an infrastructure name, XML, a PEM or a
 * certificate; and a refusal must not echo `wire` (values the request carried). SAML parameters
 * legitimately carried by a redirect or an auto-post form are cut out first.
 */
export function hygieneProblems(answer: Answer, wire: readonly string[] = []): string[] {
  const problems: string[] = [];
  const body = answer.body
    .replace(/(SAMLRequest|SAMLResponse|Signature|SigAlg|RelayState)=[^&"'\s<]*/g, '$1=…')
    .replace(/(name="(SAMLRequest|SAMLResponse|RelayState)" value=")[^"]*"/g, '$1…"')
    // The trace reference is ours (random Crockford base32): it may spell a short host name ("vm").
    .replace(/("reference":"|Reference: <code>)[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}/g, '$1…');
  const checks: ReadonlyArray<readonly [string, RegExp]> = [
    ['a stack trace', /\bat [\w$.<>]+ \(|\bat (file:|node:|\/)|\n\s+at\s/],
    ['a file path', /\/(work|home|tmp|usr|root|var|opt|srv)\/|node_modules|\.(ts|js|mjs|cjs):\d+|file:\/\//],
    ['an infrastructure name', new RegExp(`127\\.0\\.0\\.1|localhost|ECONN|EADDR|redis|postgres|${HOST.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'i')],
    ['XML', /<\?xml|<\/?([\w-]+:)?(Response|Assertion|AuthnRequest|LogoutRequest|LogoutResponse|Signature|SignedInfo|NameID|Issuer|Subject|Attribute)[\s>/]|urn:oasis:names:tc:SAML|&lt;(saml|samlp|ds):/],
    ['a PEM or certificate', /-----BEGIN|-----END|MII[A-Za-z0-9+/]{20}/],
  ];
  for (const [what, pattern] of checks) {
    const match = pattern.exec(body);
    if (match) problems.push(`${answer.request} → ${answer.status}: body shows ${what}: …${body.slice(Math.max(0, match.index - 40), match.index + 60)}…`);
  }
  if (answer.status >= 500) problems.push(`${answer.request} → ${answer.status} (${refusalCode(answer) ?? 'no code'})`);
  if (answer.status >= 400) {
    const code = refusalCode(answer);
    if (code === undefined || !DOCUMENTED_CODES.has(code)) problems.push(`${answer.request} → ${answer.status} without a documented code (${code ?? 'none'}): ${body.slice(0, 200)}`);
    for (const value of wire) if (value.length >= 6 && body.includes(value)) problems.push(`${answer.request} → ${answer.status} echoes ${JSON.stringify(value)}`);
  }
  return problems;
}
