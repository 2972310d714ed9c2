import { expect } from 'chai';
import { BINDING } from '../../src/index.js';
import { findDefaultEndpoint, findEndpoint, findEndpointByIndex } from '../../src/metadata/endpoints.js';
import type { IndexedEndpoint } from '../../src/metadata/types.js';

const at = (index: number, binding: string, isDefault?: boolean): IndexedEndpoint => ({
  binding,
  location: `https://sp.example.com/acs/${index}`,
  index,
  ...(isDefault === undefined ? {} : { isDefault }),
});

describe('findEndpoint', () => {
  const endpoints = [at(0, BINDING.post), at(1, BINDING.redirect), at(2, BINDING.redirect)];

  it('takes the first endpoint of the first binding in the order of preference', () => {
    expect(findEndpoint(endpoints, [BINDING.redirect, BINDING.post])?.index).to.equal(1);
  });

  it('accepts a single binding', () => {
    expect(findEndpoint(endpoints, BINDING.post)?.index).to.equal(0);
  });

  it('returns undefined when no binding fits', () => {
    expect(findEndpoint(endpoints, [BINDING.soap])).to.equal(undefined);
  });
});

describe('findDefaultEndpoint (saml-metadata §2.2.3)', () => {
  it('prefers isDefault="true", wherever it is', () => {
    expect(findDefaultEndpoint([at(0, BINDING.post), at(1, BINDING.post, true)])?.index).to.equal(1);
  });

  it('then the first without isDefault, over an explicit false', () => {
    expect(findDefaultEndpoint([at(0, BINDING.post, false), at(1, BINDING.post), at(2, BINDING.post)])?.index).to.equal(1);
  });

  it('then the first of all', () => {
    expect(findDefaultEndpoint([at(3, BINDING.post, false), at(1, BINDING.post, false)])?.index).to.equal(3);
  });

  it('considers only the given bindings', () => {
    expect(findDefaultEndpoint([at(0, BINDING.artifact, true), at(1, BINDING.post)], [BINDING.post])?.index).to.equal(1);
  });

  it('returns undefined when none fits', () => {
    expect(findDefaultEndpoint([at(0, BINDING.artifact)], BINDING.post)).to.equal(undefined);
    expect(findDefaultEndpoint([])).to.equal(undefined);
  });
});

describe('findEndpointByIndex', () => {
  it('finds the endpoint with the index, not the position', () => {
    expect(findEndpointByIndex([at(5, BINDING.post), at(0, BINDING.artifact)], 0)?.binding).to.equal(BINDING.artifact);
  });

  it('returns undefined for an unknown index', () => {
    expect(findEndpointByIndex([at(0, BINDING.post)], 1)).to.equal(undefined);
  });
});
