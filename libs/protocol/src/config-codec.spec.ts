import fc from 'fast-check';
import { CodecError } from '../../codec/src/errors';
import { decodeConfigXml, encodeConfigXml } from './config-codec';
import { ConfigDocumentDto, DEFAULT_AGENT_SETTINGS } from './config-document';
import { validateConfigDocument } from './validate';

const uuid = fc.uuid();
const name = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,12}$/);
const backend = fc.record(
  {
    id: uuid, name, host: fc.constantFrom('127.0.0.1', 'web.internal', '::1'), port: fc.integer({ min: 1, max: 65535 }),
    protocol: fc.constantFrom('http' as const, 'https' as const), weight: fc.integer({ min: 1, max: 1000 }),
    maxConnections: fc.integer({ min: 1, max: 10_000 }),
    tls: fc.record({ servername: fc.constant('web.internal'), rejectUnauthorized: fc.boolean() }, { requiredKeys: [] }),
  },
  { requiredKeys: ['id', 'name', 'host', 'port', 'protocol', 'weight'] },
);
const service = fc.record(
  {
    id: uuid, name,
    match: fc.record({ host: fc.constantFrom('shop.example', '*.shop.example'), pathPrefix: fc.constantFrom('/', '/api', '/a&b<c>"d\'') }, { requiredKeys: ['pathPrefix'] }),
    algorithm: fc.constantFrom('round_robin' as const, 'weighted_round_robin' as const, 'least_request' as const),
    healthCheck: fc.record({ path: fc.constant('/health'), intervalMs: fc.integer({ min: 1000, max: 5000 }), timeoutMs: fc.integer({ min: 50, max: 1000 }), healthyThreshold: fc.integer({ min: 1, max: 5 }), unhealthyThreshold: fc.integer({ min: 1, max: 5 }) }),
    loadEndpoint: fc.constant('/load'),
    backends: fc.array(backend, { maxLength: 5 }),
  },
  { requiredKeys: ['id', 'name', 'match', 'algorithm', 'healthCheck', 'backends'] },
);
const documentArb = fc.record({
  version: fc.integer({ min: 0, max: 1_000_000 }),
  agentId: uuid,
  generatedAt: fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  settings: fc.constant({ ...DEFAULT_AGENT_SETTINGS }),
  services: fc.array(service, { maxLength: 4 }),
});

describe('configuration document XML codec', () => {
  it('round-trips any valid document exactly with its JSON form', () => {
    fc.assert(
      fc.property(documentArb, (doc) => {
        const decoded = decodeConfigXml(encodeConfigXml(doc));
        expect(decoded).toEqual(JSON.parse(JSON.stringify(doc)));
        expect(validateConfigDocument(decoded).ok).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a DOCTYPE and entity declarations', () => {
    const xml = '<?xml version="1.0"?><!DOCTYPE config [<!ENTITY x SYSTEM "file:///etc/passwd">]><config version="1">&x;</config>';
    expect(() => decodeConfigXml(xml)).toThrow(CodecError);
  });

  it('leaves a bad port for the validator to reject with a reason', () => {
    const doc = { version: 2, generatedAt: new Date().toISOString(), settings: DEFAULT_AGENT_SETTINGS, services: [{ id: '00000000-0000-4000-8000-000000000001', name: 'shop', match: { pathPrefix: '/' }, algorithm: 'round_robin', healthCheck: { path: '/h', intervalMs: 1000, timeoutMs: 100, healthyThreshold: 1, unhealthyThreshold: 1 }, backends: [{ id: '00000000-0000-4000-8000-000000000002', name: 'b', host: '127.0.0.1', port: 0, protocol: 'http', weight: 1 }] }] } as unknown as ConfigDocumentDto;
    const res = validateConfigDocument(decodeConfigXml(encodeConfigXml(doc)));
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.errors.join('\n')).toMatch(/services\.0\.backends\.0\.port/);
  });
});
