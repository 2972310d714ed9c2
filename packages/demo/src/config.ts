import { resolve } from 'node:path';

/** Everything the demo can be told through the environment, with the defaults it prints. */
export interface DemoConfig {
  readonly host: string;
  readonly idpPort: number;
  readonly acmePort: number;
  readonly statsPort: number;
  /** The Acme SPA (static page) and Acme API (its JSON API and JWT bridge), each on its own origin. */
  readonly spaPort: number;
  readonly apiPort: number;
  readonly redisUrl?: string | undefined;
  /** PostgreSQL for every store (the tables are made at start-up, as `koa-mellon migrate` does). */
  readonly databaseUrl?: string | undefined;
  readonly debug: boolean;
  readonly dataDir: string;
}

export const PORT_VARIABLES = { idpPort: 'IDP_PORT', acmePort: 'ACME_PORT', statsPort: 'STATS_PORT', spaPort: 'SPA_PORT', apiPort: 'API_PORT' } as const;

export function readConfig(env: NodeJS.ProcessEnv): DemoConfig {
  const port = (name: string, fallback: number): number => {
    const value = env[name];
    if (value === undefined || value === '') return fallback;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 1 || parsed > 65535) throw new Error(`${name} must be a port number, got "${value}"`);
    return parsed;
  };
  return {
    host: env['HOST'] || '127.0.0.1',
    idpPort: port(PORT_VARIABLES.idpPort, 4000),
    acmePort: port(PORT_VARIABLES.acmePort, 4001),
    statsPort: port(PORT_VARIABLES.statsPort, 4002),
    spaPort: port(PORT_VARIABLES.spaPort, 4003),
    apiPort: port(PORT_VARIABLES.apiPort, 4004),
    redisUrl: env['REDIS_URL'] || undefined,
    databaseUrl: env['DATABASE_URL'] || undefined,
    debug: env['DEMO_DEBUG'] === '1',
    dataDir: resolve(env['DEMO_DATA_DIR'] || '.demo-data'),
  };
}
