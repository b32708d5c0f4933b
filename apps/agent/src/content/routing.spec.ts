import { normaliseHost, RoutingTable } from './routing';

describe(RoutingTable.name, () => {
  const sut = new RoutingTable<string>([
    { pathPrefix: '/', target: 'root' },
    { pathPrefix: '/api', target: 'api' },
    { pathPrefix: '/api/v2/', target: 'api-v2' },
    { host: 'shop.example.com', target: 'shop' },
    { host: 'shop.example.com', pathPrefix: '/admin', target: 'shop-admin' },
    { host: '*.example.com', target: 'wild' },
    { host: '*.eu.example.com', pathPrefix: '/x', target: 'wild-eu-x' },
  ]);

  it.each([
    ['other.test', '/', 'root'],
    ['other.test', '/anything', 'root'],
    ['other.test', '/api', 'api'],
    ['other.test', '/api/users?x=1', 'api'],
    ['other.test', '/api?x=1', 'api'],
    ['other.test', '/apix', 'root'],
    ['other.test', '/api/v2/orders', 'api-v2'],
    ['other.test', '/api/v2', 'api'],
    ['shop.example.com', '/', 'shop'],
    ['SHOP.Example.com:8000', '/admin/users', 'shop-admin'],
    ['shop.example.com.', '/admin', 'shop-admin'],
    ['a.example.com', '/api', 'wild'],
    ['a.b.example.com', '/', 'wild'],
    ['example.com', '/', 'root'],
    ['a.eu.example.com', '/x/1', 'wild-eu-x'],
    ['a.eu.example.com', '/y', 'wild'],
    [undefined, '/api/1', 'api'],
  ])('host %p path %p → %p', (host, path, expected) => {
    expect(sut.match(host, path)).toBe(expected);
  });

  it('answers undefined when nothing matches', () => {
    const only = new RoutingTable([{ host: 'a.test', pathPrefix: '/app', target: 1 }]);
    expect(only.match('a.test', '/other')).toBeUndefined();
    expect(only.match('b.test', '/app')).toBeUndefined();
    expect(new RoutingTable([]).match('a', '/')).toBeUndefined();
  });
});

describe('normaliseHost', () => {
  it.each([
    ['Example.COM', 'example.com'],
    ['example.com:8080', 'example.com'],
    ['[::1]:8000', '[::1]'],
    ['', ''],
    [undefined, ''],
  ])('%p → %p', (input, expected) => {
    expect(normaliseHost(input)).toBe(expected);
  });
});
