import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import Koa, { type Context } from 'koa';
import { createMemoryStore, createOrganizationAdmin, createOrganizationRegistry, type OrganizationAdminOptions, type OrganizationRegistry, type StateStore } from 'koa-mellon';
import { IdpServer } from '../../packages/idp/test/helpers/world.js';

const metadata = IdpServer.metadataFor('https://idp-a.example.test');
const acme = { slug: 'acme', name: 'Acme', metadata };

describe('createOrganizationAdmin', () => {
  let store: StateStore;
  let registry: OrganizationRegistry;
  let server: Server | undefined;
  let origin: string;

  const serve = async (authorize: OrganizationAdminOptions['authorize']) => {
    const app = new Koa();
    app.use(createOrganizationAdmin({ registry, prefix: '/admin/orgs', authorize }));
    server = createServer(app.callback());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${origin}/admin/orgs${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-admin': 'yes', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  };
  const isAdmin = (ctx: Context) => ctx.get('x-admin') === 'yes';

  beforeEach(() => {
    store = createMemoryStore();
    registry = createOrganizationRegistry(store);
  });
  afterEach(async () => {
    server?.closeAllConnections();
    server?.close();
    await store.close();
  });

  it('refuses every request when the app gave no authorize hook', async () => {
    await serve(undefined);
    expect(await call('GET', '/')).to.deep.equal({ status: 403, body: { error: 'PERMISSION_DENIED' } });
    expect((await call('POST', '/', acme)).status).to.equal(403);
    expect(await registry.list()).to.deep.equal([]);
  });

  it('refuses a request the hook refuses', async () => {
    await serve(isAdmin);
    expect((await call('POST', '/', acme, { 'x-admin': 'no' })).status).to.equal(403);
    expect(await registry.list()).to.deep.equal([]);
  });

  it('creates, reads, lists, updates, disables and deletes an organization', async () => {
    await serve(isAdmin);
    expect(await call('POST', '/', acme)).to.deep.equal({ status: 201, body: acme });
    expect(await call('GET', '/acme')).to.deep.equal({ status: 200, body: acme });
    expect(await call('PUT', '/acme', { ...acme, name: 'Acme Inc.' })).to.deep.equal({ status: 200, body: { ...acme, name: 'Acme Inc.' } });
    expect(await call('POST', '/acme/disable')).to.deep.equal({ status: 200, body: { ...acme, name: 'Acme Inc.', enabled: false } });
    expect(await call('GET', '/')).to.deep.equal({ status: 200, body: [{ ...acme, name: 'Acme Inc.', enabled: false }] } as never);
    expect((await call('DELETE', '/acme')).status).to.equal(204);
    expect(await call('GET', '/acme')).to.deep.equal({ status: 404, body: { error: 'ORGANIZATION_UNKNOWN' } });
  });

  it('answers 409 for a taken slug, 404 for an unknown one', async () => {
    await serve(isAdmin);
    await call('POST', '/', acme);
    expect((await call('POST', '/', acme)).status).to.equal(409);
    expect((await call('PUT', '/nobody', { ...acme, slug: 'nobody' })).status).to.equal(404);
    expect((await call('POST', '/nobody/disable')).status).to.equal(404);
    expect((await call('DELETE', '/nobody')).status).to.equal(404);
  });

  it('refuses invalid organizations with 400 naming the key, and stores nothing', async () => {
    await serve(isAdmin);
    expect(await call('POST', '/', { ...acme, requestsSigned: 'yes' })).to.deep.include({ status: 400 }).and.have.nested.property('body.path', 'organization.requestsSigned');
    expect((await call('POST', '/', { slug: 'acme', name: 'Acme' })).body).to.have.property('path', 'organization');
    expect((await call('POST', '/', 'not json')).body).to.deep.include({ error: 'CONFIG_INVALID', path: 'organization' });
    expect((await call('POST', '/', null)).status).to.equal(400);
    expect((await call('POST', '/', acme, { 'content-type': 'text/plain' })).status).to.equal(400);
    expect(await registry.list()).to.deep.equal([]);
  });

  it('refuses a PUT whose body names another slug than the URL', async () => {
    await serve(isAdmin);
    await call('POST', '/', acme);
    expect((await call('PUT', '/acme', { ...acme, slug: 'globex' })).body).to.have.property('path', 'organization.slug');
    expect(await registry.get('globex')).to.equal(undefined);
  });
});
