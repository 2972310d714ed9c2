import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import Koa, { type Context } from 'koa';
import { ConfigError } from '@koa-mellon/saml';
import {
  DEFAULT_ACCENT_COLOR,
  contrastWithWhite,
  pageTheme,
  renderError,
  renderIdpChooser,
  renderOrganizationPage,
  validatePageSettings,
  type ErrorPage,
  type IdpChooserPage,
  type Logger,
  type OrganizationPage,
  type PageSettings,
} from '@koa-mellon/web';

type AnyPage = ErrorPage | IdpChooserPage | OrganizationPage;

/** A Koa app whose one route answers with `show(ctx)`; returns fetch-ready URL and a stop. */
async function serve(show: (ctx: Context) => Promise<void>): Promise<{ url: string; stop: () => void }> {
  const app = new Koa();
  app.use(async (ctx) => show(ctx));
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, stop: () => server.close() };
}

function recordingLogger(): Logger & { errors: object[] } {
  const errors: object[] = [];
  return { errors, debug: () => undefined, info: () => undefined, warn: () => undefined, error: (obj) => errors.push(obj) };
}

const HOSTILE = '<script>alert(1)</script>&"\'';

describe('pages a person sees (@koa-mellon/web)', () => {
  describe('the pages setting', () => {
    it('accepts a name, a dark enough colour and a renderer', () => {
      expect(() => validatePageSettings({ appName: 'Acme Portal', accentColor: '#1b5e20', render: () => undefined })).to.not.throw();
      expect(() => validatePageSettings({ accentColor: '#036' })).to.not.throw();
    });

    it('names every mistake at once: unknown key with a suggestion, bad colour, low contrast, not a function', () => {
      let error: unknown;
      try {
        validatePageSettings({ appname: 'x', accentColor: 'red', render: '<html>' }, 'pages');
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(ConfigError);
      const problems = (error as ConfigError).problems.map((p) => p.message);
      expect(problems).to.deep.equal([
        'pages.appname: unknown setting (did you mean appName?)',
        'pages.accentColor: expected a colour as #rrggbb or #rgb',
        'pages.render: expected a function (page, ctx) => HTML or undefined',
      ]);
      expect(() => validatePageSettings({ accentColor: '#ffcc00' })).to.throw(ConfigError, /#ffcc00 has a contrast of 1\.\d:1 with white; the pages need at least 4\.5:1/);
      expect(() => validatePageSettings({ appName: '' })).to.throw(ConfigError, 'pages.appName');
      expect(() => validatePageSettings('dark')).to.throw(ConfigError, 'pages: expected');
    });

    it('measures contrast as WCAG 2.2 does', () => {
      expect(contrastWithWhite('#000000')).to.be.closeTo(21, 0.01);
      expect(contrastWithWhite('#fff')).to.be.closeTo(1, 0.01);
      // #767676 is the classic lightest grey passing AA on white (4.54:1).
      expect(contrastWithWhite('#767676')).to.be.closeTo(4.54, 0.01);
      expect(contrastWithWhite(DEFAULT_ACCENT_COLOR)).to.be.greaterThan(7);
    });

    it('never puts an unvalidated colour in the stylesheet', () => {
      expect(pageTheme({ accentColor: 'red}body{display:none' }).accentColor).to.equal(DEFAULT_ACCENT_COLOR);
      expect(pageTheme({ accentColor: '#1B5E20', appName: 'Acme' })).to.deep.equal({ accentColor: '#1B5E20', appName: 'Acme' });
    });
  });

  describe('the built-in pages', () => {
    it('error page: app name in header and title, accent colour, reference, escaped, strict CSP, not framed', async () => {
      const { url, stop } = await serve((ctx) =>
        renderError(ctx, 'AUDIENCE_MISMATCH', { continueUrl: `/back?x=${HOSTILE}`, redirectAfter: 0, message: 'Refused.', reference: 'K7Q2-9XMA', pages: { appName: `Acme ${HOSTILE}`, accentColor: '#1b5e20' } }),
      );
      try {
        const response = await fetch(url, { headers: { accept: 'text/html' } });
        const html = await response.text();
        expect(response.status).to.equal(400);
        expect(html).to.include('<title>Sign-in problem · Acme &#60;script&#62;').and.include('<header>Acme &#60;script&#62;');
        expect(html).to.include(':root{--accent:#1b5e20}').and.include('<meta name="viewport"');
        expect(html).to.include('Reference: <code>K7Q2-9XMA</code>').and.include('<code class="error-code">AUDIENCE_MISMATCH</code>');
        expect(html).to.include('href="/back?x=&#60;script&#62;').and.not.include('<script>');
        expect(response.headers.get('content-security-policy')).to.equal("default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
        expect(response.headers.get('x-frame-options')).to.equal('DENY');
        expect(response.headers.get('cache-control')).to.equal('no-store');
      } finally {
        stop();
      }
    });

    it('error page without an app name: no header, the default colour; JSON clients get JSON', async () => {
      const { url, stop } = await serve((ctx) => renderError(ctx, 'STORE_UNAVAILABLE', { continueUrl: '/', redirectAfter: 5, message: 'Try again.' }));
      try {
        const html = await (await fetch(url, { headers: { accept: 'text/html' } })).text();
        expect(html).to.not.include('<header>');
        expect(html).to.include(`--accent:${DEFAULT_ACCENT_COLOR}`).and.include('content="5;url=/"');
        const json = await fetch(url, { headers: { accept: 'application/json' } });
        expect(json.status).to.equal(503);
        expect(await json.json()).to.deep.equal({ error: 'STORE_UNAVAILABLE', message: 'Try again.', continue: '/' });
      } finally {
        stop();
      }
    });

    it('IdP chooser: names, https logos, escaped links', async () => {
      const page: IdpChooserPage = {
        kind: 'idp-chooser',
        next: '/',
        choices: [
          { name: 'Okta', entityId: 'https://okta.example/', href: '/login/?entityID=https%3A%2F%2Fokta.example%2F&next=%2F', logo: { url: 'https://okta.example/logo.png', width: 80, height: 40 } },
          { name: HOSTILE, entityId: 'urn:x', href: `/login/?entityID=${HOSTILE}` },
        ],
      };
      const { url, stop } = await serve((ctx) => renderIdpChooser(ctx, page));
      try {
        const response = await fetch(url);
        const html = await response.text();
        expect(html).to.include('<h1>Sign in with</h1>');
        expect(html).to.include('<a class="choice" href="/login/?entityID=https%3A%2F%2Fokta.example%2F&#38;next=%2F"><img src="https://okta.example/logo.png" width="80" height="40" alt=""><span><span class="name">Okta</span>');
        expect(html).to.include('<span class="name">&#60;script&#62;alert(1)&#60;/script&#62;&#38;&#34;&#39;</span>').and.not.include('<script>');
        expect(response.headers.get('content-security-policy')).to.include('img-src https:');
      } finally {
        stop();
      }
    });
  });

  describe("the app's own pages (pages.render)", () => {
    it('receives the typed model and the context; its HTML is sent, never framed, with its own CSP kept', async () => {
      const seen: AnyPage[] = [];
      const pages: PageSettings<AnyPage> = {
        render: (page, ctx) => {
          seen.push(page);
          ctx.set('Content-Security-Policy', "default-src 'self'");
          return page.kind === 'error' ? `<p>${page.code} ${page.reference ?? ''} for ${ctx.path}</p>` : undefined;
        },
      };
      const { url, stop } = await serve((ctx) => renderError(ctx, 'ISSUER_MISMATCH', { continueUrl: '/', redirectAfter: 0, message: 'No.', reference: 'ABCD-EFGH', pages }));
      try {
        const response = await fetch(`${url}acs`, { headers: { accept: 'text/html' } });
        expect(response.status).to.equal(400);
        expect(await response.text()).to.equal('<p>ISSUER_MISMATCH ABCD-EFGH for /acs</p>');
        expect(response.headers.get('content-security-policy')).to.equal("default-src 'self'");
        expect(response.headers.get('x-frame-options')).to.equal('DENY');
        expect(response.headers.get('content-type')).to.equal('text/html; charset=utf-8');
        expect(seen).to.deep.equal([{ kind: 'error', code: 'ISSUER_MISMATCH', title: 'Sign-in problem', message: 'No.', continueUrl: '/', redirectAfter: 0, reference: 'ABCD-EFGH', status: 400 }]);
      } finally {
        stop();
      }
    });

    it('a page kind the renderer leaves (undefined) is the built-in page, in the app’s colours', async () => {
      const pages: PageSettings<AnyPage> = { accentColor: '#6a1b9a', render: (page) => (page.kind === 'error' ? '<p>mine</p>' : undefined) };
      const { url, stop } = await serve((ctx) => renderOrganizationPage(ctx, { kind: 'organization-form', action: '/login/', next: '/' }, { pages }));
      try {
        const response = await fetch(url);
        const html = await response.text();
        expect(html).to.include('<label for="email">Work e-mail address</label>').and.include('--accent:#6a1b9a');
        expect(response.headers.get('content-security-policy')).to.include("default-src 'none'");
      } finally {
        stop();
      }
    });

    it('a renderer that throws or returns something else is logged, and the built-in page shown: never a 500', async () => {
      const logger = recordingLogger();
      const throwing: PageSettings<AnyPage> = {
        render: () => {
          throw new Error('template missing');
        },
      };
      const odd = { render: () => 42 } as unknown as PageSettings<AnyPage>;
      let pages = throwing;
      const { url, stop } = await serve((ctx) => renderError(ctx, 'SIGNATURE_INVALID', { continueUrl: '/', redirectAfter: 0, message: 'Refused.', pages, logger }));
      try {
        const first = await fetch(url, { headers: { accept: 'text/html' } });
        expect(first.status).to.equal(400);
        expect(await first.text()).to.include('<h1>Sign-in problem</h1>');
        pages = odd;
        expect(await (await fetch(url, { headers: { accept: 'text/html' } })).text()).to.include('<h1>Sign-in problem</h1>');
        expect(logger.errors).to.deep.equal([
          { kind: 'error', err: 'Error: template missing' },
          { kind: 'error', got: 'number' },
        ]);
      } finally {
        stop();
      }
    });
  });
});
