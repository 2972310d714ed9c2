/** The organizations bench/orgs.ts registers: all trust the bench IdP, each with its own e-mail domain. */
import { generateIdpMetadata } from '@koa-mellon/saml';
import type { OrganizationRegistry, OrganizationSettings } from 'koa-mellon';
import { IDP_ENTITY_ID, IDP_SSO_URL } from './bench-idp.js';

export const slugOf = (i: number): string => `org-${i}`;
export const domainOf = (i: number): string => `d${i}.example`;

/** The bench IdP's metadata, inline (what a customer pastes in the admin screen). */
export function benchIdpMetadata(idpCertPem: string): string {
  return generateIdpMetadata({ entityId: IDP_ENTITY_ID, singleSignOnServiceUrl: IDP_SSO_URL, certificates: [idpCertPem] });
}

export function benchOrganization(i: number, metadata: string): OrganizationSettings {
  return { slug: slugOf(i), name: `Organization ${i}`, metadata, emailDomains: [domainOf(i)] };
}

/** Registers organizations 0 … count-1, `parallel` writes in flight (a network store is latency-bound). */
export async function populateRegistry(registry: OrganizationRegistry, count: number, metadata: string, parallel = 16): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      if (!(await registry.create(benchOrganization(i, metadata)))) throw new Error(`${slugOf(i)} already registered`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}
