/**
 * koa-mellon's demo, on embedded defaults: `npm run demo`. In one process on 127.0.0.1: an IdP
 * (@koa-mellon/idp) with a login form and two users, "Acme App" and "Stats" (two koa-mellon SPs),
 * and "Acme SPA", a static single-page app signing in through "Acme API" (an SP with the JWT bridge,
 * and an IdP that logs the SPA's user in to Stats from a one-time launch link).
 * Keys are made on first run in .demo-data/ (git-ignored); metadata is exchanged over the metadata
 * URLs; REDIS_URL or DATABASE_URL switches every store to Redis or PostgreSQL.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type Koa from 'koa';
import { createPostgresStore, createRedisStore, migratePostgres, type StateStore } from 'koa-mellon';
import { ACME_COLOR, acmePages } from './acme.js';
import { PORT_VARIABLES, readConfig, type DemoConfig } from './config.js';
import { createIdpApp } from './idp-app.js';
import { createSpApp } from './sp-app.js';
import { createSpaApp } from './spa.js';
import { apiIdpMetadataUrl, createSpaApi } from './spa-api.js';
import { STATS_COLOR, statsPages } from './stats.js';
import { DEMO_USERS } from './users.js';

async function main(config: DemoConfig): Promise<void> {
  const origin = (port: number) => `http://${config.host}:${port}`;
  const idpOrigin = origin(config.idpPort);
  const stores: StateStore[] = [];
  // Each app has its own prefix on the shared server, as apps sharing one Redis or database must.
  const store = async (prefix: string): Promise<StateStore | undefined> => {
    const opened = config.redisUrl ? await createRedisStore({ url: config.redisUrl, prefix }) : config.databaseUrl ? await createPostgresStore({ connectionString: config.databaseUrl, prefix }) : undefined;
    if (opened) stores.push(opened);
    return opened;
  };
  if (config.databaseUrl) await migrateDatabase(config.databaseUrl);
  const idpMetadataUrl = `${idpOrigin}/saml/metadata/`;
  const common = { idpMetadataUrl, dataDir: config.dataDir, debug: config.debug };
  // Stats trusts two IdPs: the demo IdP (Acme App's Statistics link) and Acme API's (the SPA's).
  const stats = createSpApp({ ...common, name: 'stats', displayName: 'Stats', color: STATS_COLOR, origin: origin(config.statsPort), store: await store('demo-stats'), allowIdpInitiated: true, moreIdpMetadataUrls: [apiIdpMetadataUrl(origin(config.apiPort))], pages: statsPages() });
  const { app: idpApp, idp } = createIdpApp({
    origin: idpOrigin,
    dataDir: config.dataDir,
    // Stats is another company's app: the user consents to what it receives (once, if remembered).
    serviceProviders: [
      { metadataUrl: `${origin(config.acmePort)}/saml/metadata/`, askConsent: false },
      { metadataUrl: stats.mellon.urls.metadata, askConsent: true },
      { metadataUrl: `${origin(config.apiPort)}/saml/metadata/`, askConsent: false },
    ],
    store: await store('demo-idp'),
    debug: config.debug,
  });
  const acme = createSpApp({ ...common, name: 'acme', displayName: 'Acme App', color: ACME_COLOR, origin: origin(config.acmePort), store: await store('demo-acme'), pages: acmePages(idp.initiateUrl(stats.mellon.urls.entityId, '/')) });
  const spaApi = await createSpaApi({ ...common, origin: origin(config.apiPort), spaOrigin: origin(config.spaPort), store: await store('demo-api'), statsMetadataUrl: stats.mellon.urls.metadata });
  const spa = createSpaApp({ apiOrigin: origin(config.apiPort), clientId: 'acme-spa', statistics: { sp: stats.mellon.urls.entityId, next: '/' } });

  const servers = [
    await listen(idpApp, config, 'idpPort'),
    await listen(acme.app, config, 'acmePort'),
    await listen(stats.app, config, 'statsPort'),
    await listen(spaApi.app, config, 'apiPort'),
    await listen(spa, config, 'spaPort'),
  ];
  console.log(`koa-mellon demo is running (state: ${config.redisUrl ? 'Redis' : config.databaseUrl ? 'PostgreSQL' : 'in memory'}, keys in ${config.dataDir})

  Acme App   ${origin(config.acmePort)}/      <- open this
  Stats      ${origin(config.statsPort)}/
  Acme SPA   ${origin(config.spaPort)}/      <- the single-page app: SAML login -> JWT (code + PKCE)
  Acme API   ${origin(config.apiPort)}/      (the SPA's JSON API, JWT bridge, and IdP for Stats)
  IdP        ${idpOrigin}/

  Users: ${DEMO_USERS.map((u) => `${u.username} / ${u.password}`).join(', ')}
  Ports: ${Object.values(PORT_VARIABLES).join(', ')}; host: HOST; REDIS_URL or DATABASE_URL; DEMO_DEBUG=1 logs decoded messages.
`);

  const stop = async () => {
    console.log('\nkoa-mellon demo: stopping');
    idp.close();
    acme.mellon.close();
    stats.mellon.close();
    spaApi.mellon.close();
    spaApi.idp.close();
    await spaApi.bridge.close();
    await Promise.all(servers.map(async (server) => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    }));
    for (const opened of stores) await opened.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

/** The state tables, made as `koa-mellon migrate --postgres URL` makes them (a demo has no deploy step). */
async function migrateDatabase(connectionString: string): Promise<void> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString, max: 1 });
  try {
    await migratePostgres(pool);
  } finally {
    await pool.end();
  }
}

/**
 * Listens, or explains in one line which port is taken and which variable moves it. The server
 * timeouts are docs/deployment.md's: Node's defaults (60 s for headers, 300 s for a request) let a
 * few slow clients hold connections for minutes.
 */
async function listen(app: Koa, config: DemoConfig, key: keyof typeof PORT_VARIABLES): Promise<Server> {
  const server = app.listen(config[key], config.host);
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([err]) => {
      const code = (err as NodeJS.ErrnoException).code;
      const reason = code === 'EADDRINUSE' ? 'is already in use' : `cannot be used (${code ?? String(err)})`;
      console.error(`koa-mellon demo: port ${config[key]} on ${config.host} ${reason}; set ${PORT_VARIABLES[key]} to another port.`);
      process.exit(1);
    }),
  ]);
  return server;
}

try {
  await main(readConfig(process.env));
} catch (err) {
  console.error(`koa-mellon demo: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
