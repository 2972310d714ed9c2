import { expect } from 'chai';
import { ConfigError } from '../../src/index.js';
import { createMetadataSource } from '../../src/metadata/sources/create.js';
import { testKey } from './helpers.js';

describe('createMetadataSource', () => {
  it('makes one source per kind, without I/O', () => {
    expect(createMetadataSource({ metadata: '<x/>' }).kind).to.equal('inline');
    expect(createMetadataSource({ metadataPath: '/nonexistent/idp.xml' }).kind).to.equal('file');
    const url = createMetadataSource({ metadataUrl: 'https://user:secret@idp.example.com/metadata?tenant=1' });
    expect(url.kind).to.equal('url');
    // The location is safe to log: credentials are stripped.
    expect(url.location).to.equal('https://idp.example.com/metadata?tenant=1');
    url.close();
  });

  it('refuses no source at all', () => {
    expect(() => createMetadataSource({ settingsPath: 'identityProviders[0]' }))
      .to.throw(ConfigError)
      .with.property('path', 'identityProviders[0].metadata');
  });

  it('refuses two sources at once', () => {
    expect(() => createMetadataSource({ metadata: '<x/>', metadataUrl: 'https://idp.example.com/metadata' }))
      .to.throw(ConfigError)
      .with.property('path', 'metadata');
  });

  it('refuses empty inline metadata', () => {
    expect(() => createMetadataSource({ metadata: '  ' }))
      .to.throw(ConfigError)
      .with.property('path', 'metadata');
  });

  it('refuses an empty path', () => {
    expect(() => createMetadataSource({ metadataPath: '' }))
      .to.throw(ConfigError)
      .with.property('path', 'metadataPath');
  });

  it('refuses a URL that is not http(s)', () => {
    expect(() => createMetadataSource({ metadataUrl: 'file:///etc/idp.xml', settingsPath: 'identityProviders[1]' }))
      .to.throw(ConfigError)
      .with.property('path', 'identityProviders[1].metadataUrl');
  });

  it('refuses plain http to a remote host for unsigned metadata', () => {
    expect(() => createMetadataSource({ metadataUrl: 'http://idp.example.com/metadata' }))
      .to.throw(ConfigError)
      .with.property('path', 'metadataUrl');
  });

  it('accepts plain http when the metadata must be signed, or on loopback', () => {
    const signed = createMetadataSource({ metadataUrl: 'http://idp.example.com/metadata', signingCertificates: [testKey('create-publisher').certPem] });
    const loopback = createMetadataSource({ metadataUrl: 'http://127.0.0.1:8080/metadata' });
    expect([signed.kind, loopback.kind]).to.deep.equal(['url', 'url']);
    signed.close();
    loopback.close();
  });

  it('refuses a non-positive timeout or cache time', () => {
    expect(() => createMetadataSource({ metadataUrl: 'https://idp.example.com/m', metadataHttpTimeout: 0 }))
      .to.throw(ConfigError)
      .with.property('path', 'metadataHttpTimeout');
    expect(() => createMetadataSource({ metadataUrl: 'https://idp.example.com/m', metadataCacheTime: -1 }))
      .to.throw(ConfigError)
      .with.property('path', 'metadataCacheTime');
  });

  it('refuses a non-positive maxBytes', () => {
    expect(() => createMetadataSource({ metadata: '<x/>', maxBytes: 0 }))
      .to.throw(ConfigError)
      .with.property('path', 'maxBytes');
  });

  it('refuses an empty list of signing certificates', () => {
    expect(() => createMetadataSource({ metadata: '<x/>', signingCertificates: [] }))
      .to.throw(ConfigError)
      .with.property('path', 'signingCertificates');
  });

  it('refuses a signing certificate that does not load', () => {
    expect(() => createMetadataSource({ metadata: '<x/>', signingCertificates: [testKey('create-publisher').certPem, 'garbage'] }))
      .to.throw(ConfigError)
      .with.property('path', 'signingCertificates[1]');
  });
});
