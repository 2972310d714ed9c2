/**
 * A small browser for tests: a cookie jar per host, logical origins (https://idp.example.test)
 * mapped to local servers, redirects followed by hand, and the auto-submitting SAML forms posted
 * as a browser with scripts would. It stops where a real browser would need a user (an HTML page
 * that is not an auto-post form) or at a host no local server plays (a peer SP that is a library).
 */
export interface Step {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly status: number;
}

export interface Stop {
  /** The URL the browser would load next, or the one whose page it shows. */
  readonly url: string;
  readonly method: 'GET' | 'POST';
  /** The page shown (status 200 HTML or JSON), when the browser stopped at a local server. */
  readonly status?: number | undefined;
  readonly body?: string | undefined;
  /** A form the browser would post to an unmapped host (a library SP's ACS). */
  readonly form?: ReadonlyMap<string, string> | undefined;
  readonly history: readonly Step[];
}

export class Browser {
  /** Every form this browser posted, in order (to read the SAML messages that went by). */
  readonly posts: { url: string; form: ReadonlyMap<string, string> }[] = [];
  private readonly hosts = new Map<string, string>();
  private readonly jars = new Map<string, Map<string, string>>();

  /** Serve `logicalOrigin` (e.g. https://idp.example.test) from `localOrigin` (http://127.0.0.1:port). */
  map(logicalOrigin: string, localOrigin: string): this {
    this.hosts.set(new URL(logicalOrigin).host, localOrigin);
    return this;
  }

  cookies(url: string): Map<string, string> {
    const host = new URL(url).host;
    let jar = this.jars.get(host);
    if (!jar) this.jars.set(host, (jar = new Map()));
    return jar;
  }

  /** Another browser (no cookies) that reaches the same servers. */
  another(): Browser {
    const other = new Browser();
    for (const [host, local] of this.hosts) other.hosts.set(host, local);
    return other;
  }

  isMapped(url: string): boolean {
    return this.hosts.has(new URL(url).host);
  }

  /** One request, no redirect followed; cookies sent and stored. */
  async request(url: string, init: { method?: 'GET' | 'POST'; form?: ReadonlyMap<string, string> | Record<string, string>; accept?: string } = {}): Promise<Response> {
    const target = new URL(url);
    const local = this.hosts.get(target.host);
    if (!local) throw new Error(`no server plays ${target.host}`);
    const headers = new Headers({ accept: init.accept ?? 'text/html' });
    if (target.protocol === 'https:') headers.set('x-forwarded-proto', 'https');
    const jar = this.cookies(url);
    if (jar.size > 0) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    let body: URLSearchParams | undefined;
    if (init.form) {
      const fields = init.form instanceof Map ? new Map(init.form) : new Map(Object.entries(init.form));
      this.posts.push({ url, form: fields });
      body = new URLSearchParams([...fields]);
    }
    const response = await fetch(`${local}${target.pathname}${target.search}`, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body: body ?? null, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = (pair ?? '').indexOf('=');
      const name = (pair ?? '').slice(0, eq);
      const value = (pair ?? '').slice(eq + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    return response;
  }

  /** Loads `url` and goes on as a browser would, until a page needs a user or a peer is unmapped. */
  async go(url: string, init: { method?: 'GET' | 'POST'; form?: ReadonlyMap<string, string> | Record<string, string> } = {}): Promise<Stop> {
    const history: Step[] = [];
    let method: 'GET' | 'POST' = init.method ?? (init.form ? 'POST' : 'GET');
    let form: ReadonlyMap<string, string> | undefined = init.form instanceof Map ? init.form : init.form ? new Map(Object.entries(init.form)) : undefined;
    let current = url;
    for (let hop = 0; hop < 30; hop++) {
      if (!this.isMapped(current)) return { url: current, method, form, history };
      const response = await this.request(current, { method, ...(form ? { form } : {}) });
      history.push({ method, url: current, status: response.status });
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        current = new URL(location, current).href;
        method = 'GET';
        form = undefined;
        continue;
      }
      const body = await response.text();
      const autoPost = readAutoPostForm(body);
      if (response.status === 200 && autoPost) {
        current = new URL(autoPost.action, current).href;
        method = 'POST';
        form = autoPost.fields;
        continue;
      }
      return { url: current, method, status: response.status, body, history };
    }
    throw new Error('too many hops');
  }
}

/** The SAML auto-submit page of encodePostForm: its action and hidden fields, HTML-decoded. */
export function readAutoPostForm(html: string): { action: string; fields: Map<string, string> } | undefined {
  if (!html.includes('document.forms[0].submit()')) return undefined;
  const action = /<form method="post" action="([^"]*)"/.exec(html)?.[1];
  if (action === undefined) return undefined;
  const fields = new Map<string, string>();
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields.set(decode(match[1] ?? ''), decode(match[2] ?? ''));
  return { action: decode(action), fields };
}

function decode(value: string): string {
  return value.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}
