// A consumer of the packed tarballs, written as a new user would: strict TypeScript, ESM, nodenext.
// The packaging test copies it into a clean project, type-checks it and runs it with node.
import Koa from 'koa';
import { createMellon, createMemoryStore, generateKeyPair, MellonError, type MellonSettings } from 'koa-mellon';
import { createIdp, type IdpUser } from '@koa-mellon/idp';
import { createJwtBridge, generateJwtKey } from '@koa-mellon/jwt';
import { parseXml, requiredAttribute } from '@koa-mellon/saml';
import { safeNext } from '@koa-mellon/web';

interface Person extends IdpUser {
  readonly id: string;
  readonly email: string;
}

const idpKeys = generateKeyPair();
const idp = createIdp<Person>({
  baseUrl: 'http://127.0.0.1:4000/idp',
  privateKey: idpKeys.keyPem,
  publicKeys: [idpKeys.certPem],
  secret: 'consumer-pairwise-secret-0123456789abcdef',
  serviceProviders: [],
  authenticate: () => ({ id: 'u-1', email: 'alice@example.test' }),
  loginUrl: '/login',
});

const spKeys = generateKeyPair({ commonName: 'consumer' });
const store = createMemoryStore();
const settings: MellonSettings = {
  baseUrl: 'http://127.0.0.1:3000/accounts/mellon',
  identityProviders: [{ metadata: idp.metadata() }],
  privateKey: spKeys.keyPem,
  publicKeys: [spKeys.certPem],
  store,
};
const mellon = createMellon(settings);
const app = new Koa();
app.keys = ['consumer-cookie-secret'];
app.use(mellon.middleware());
app.use(mellon.routes());

const bridge = await createJwtBridge({
  issuer: 'http://127.0.0.1:3000',
  audience: 'http://127.0.0.1:3000/api',
  keys: [{ kid: 'k1', alg: 'EdDSA', privateKey: generateJwtKey('EdDSA').privateKey, use: 'sign' }],
  store,
  secret: 'consumer-csrf-secret-0123456789abcdef',
  samlLoginUrl: mellon.urls.login,
  startSamlLogout: (ctx, saml, next) => mellon.startLogout(ctx, saml, next),
  clients: [],
});
app.use(bridge.routes());

const server = app.listen(0, '127.0.0.1');
await new Promise<void>((resolve) => server.once('listening', () => resolve()));
const address = server.address();
if (address === null || typeof address === 'string') throw new Error('no TCP address');
try {
  const res = await fetch(`http://127.0.0.1:${address.port}/accounts/mellon/metadata/`);
  const metadata = parseXml(await res.text());
  const entityId = requiredAttribute(metadata.root, 'entityID');
  const jwks = await fetch(`http://127.0.0.1:${address.port}/jwt/jwks`);
  const keys = ((await jwks.json()) as { keys: unknown[] }).keys;
  await store.namespace('consumer').set('k', 'v', 60_000);
  const result = {
    metadataStatus: res.status,
    entityId,
    jwksStatus: jwks.status,
    jwksKeys: keys.length,
    stored: await store.namespace('consumer').get('k'),
    safeNext: safeNext('https://evil.example/', '/home'),
    errorIsClass: new MellonError('CONFIG_INVALID', 'x') instanceof Error,
  };
  console.log(JSON.stringify(result));
} finally {
  server.close();
  mellon.close();
  idp.close();
  await bridge.close();
  await store.close();
}
