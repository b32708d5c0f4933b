import type { OpenAPIObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { XML_EXTENSION } from '../apps/management/src/common/api-xml';
import { finalizeDocument, renderJson } from './openapi-document';

const problem = { description: 'bad', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDto' } } } };

function raw(paths: Record<string, unknown>): OpenAPIObject {
  return { openapi: '3.0.0', info: { title: 't', version: '0' }, paths, components: { schemas: { Zed: { type: 'object' }, Abc: { type: 'object' } } } } as unknown as OpenAPIObject;
}

function op(extra: Record<string, unknown> = {}) {
  return { operationId: 'x', summary: 's', tags: ['servers'], responses: { '200': { description: '', content: { 'application/json': { schema: { $ref: '#/components/schemas/Abc' } } } }, '400': problem }, ...extra };
}

describe('finalizeDocument', () => {
  it('marks operations without bearer auth public and normalises the authenticated ones', () => {
    const sut = finalizeDocument(raw({ '/a': { get: op({ operationId: 'a' }) }, '/b': { get: op({ operationId: 'b', security: [{ bearer: [] }] }) } }), { version: '1' });
    expect(sut.paths['/a'].get?.security).toEqual([]);
    expect(sut.paths['/b'].get?.security).toEqual([{ bearer: [] }]);
    expect(sut.components?.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('adds a 500 problem to every operation and names the default success description', () => {
    const sut = finalizeDocument(raw({ '/a': { get: op() } }), { version: '1' });
    const responses = sut.paths['/a'].get?.responses as Record<string, { description: string; content?: Record<string, unknown> }>;
    expect(Object.keys(responses)).toEqual(['200', '400', '500']);
    expect(responses['500'].content).toHaveProperty(['application/problem+json']);
    expect(responses['200'].description).toBe('OK');
  });

  it('gives JSON bodies and responses XML twins on @ApiXml operations, and removes the marker', () => {
    const body = { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Abc' } } } };
    const sut = finalizeDocument(raw({ '/r': { post: op({ requestBody: body, [XML_EXTENSION]: { request: true, response: false, root: 'report' } }) } }), { version: '1' });
    const post = sut.paths['/r'].post as unknown as Record<string, any>;
    expect(post[XML_EXTENSION]).toBeUndefined();
    expect(post.requestBody.content['application/xml'].schema).toEqual({ allOf: [{ $ref: '#/components/schemas/Abc' }], xml: { name: 'report' } });
    expect(post.responses['200'].content['application/xml']).toBeUndefined();
    expect(post.responses['400'].content['application/problem+xml']).toBeDefined();
  });

  it('names the XML root on a media type already declared with @ApiConsumes', () => {
    const ref = { $ref: '#/components/schemas/Abc' };
    const body = { content: { 'application/xml': { schema: ref }, 'application/json': { schema: ref } } };
    const sut = finalizeDocument(raw({ '/r': { post: op({ requestBody: body, [XML_EXTENSION]: { request: true, response: true, root: 'batch' } }) } }), { version: '1' });
    const post = sut.paths['/r'].post as unknown as Record<string, any>;
    expect(post.requestBody.content['application/xml'].schema).toEqual({ allOf: [ref], xml: { name: 'batch' } });
    expect(post.requestBody.content['application/json'].schema).toEqual(ref);
  });

  it('leaves operations without @ApiXml JSON-only', () => {
    const sut = finalizeDocument(raw({ '/a': { get: op() } }), { version: '1' });
    expect(renderJson(sut)).not.toMatch(/"application\/(problem\+)?xml":/);
  });

  it('refuses a document with an operation missing its operationId, summary, tag or success schema', () => {
    const bad = { responses: { '200': { description: '' } } };
    expect(() => finalizeDocument(raw({ '/a': { get: bad } }), { version: '1' })).toThrow(/GET \/a: operationId[\s\S]*GET \/a: summary[\s\S]*GET \/a: tag[\s\S]*schema for the 200/);
  });

  it('refuses a tag without a description, naming where descriptions live', () => {
    expect(() => finalizeDocument(raw({ '/a': { get: op({ tags: ['gizmos'] }) } }), { version: '1' })).toThrow(/tag gizmos: a description \(TAG_DESCRIPTIONS/);
    expect(finalizeDocument(raw({ '/a': { get: op() } }), { version: '1' }).tags).toEqual([{ name: 'servers', description: expect.stringMatching(/^Backend servers/) }]);
  });

  it('refuses a duplicated operationId', () => {
    expect(() => finalizeDocument(raw({ '/a': { get: op() }, '/b': { get: op() } }), { version: '1' })).toThrow(/operationId x also used/);
  });

  it('orders paths, methods and schemas so the bytes do not depend on module order', () => {
    const a = finalizeDocument(raw({ '/z': { post: op({ operationId: 'p' }), get: op({ operationId: 'g' }) }, '/a': { get: op({ operationId: 'h' }) } }), { version: '1' });
    const b = finalizeDocument(raw({ '/a': { get: op({ operationId: 'h' }) }, '/z': { get: op({ operationId: 'g' }), post: op({ operationId: 'p' }) } }), { version: '1' });
    expect(renderJson(a)).toBe(renderJson(b));
    expect(Object.keys(a.paths)).toEqual(['/a', '/z']);
    expect(Object.keys(a.paths['/z'])).toEqual(['get', 'post']);
    expect(Object.keys(a.components?.schemas ?? {})).toEqual(['Abc', 'Zed']);
    expect(a.tags?.map((t) => t.name)).toEqual(['servers']);
  });
});
