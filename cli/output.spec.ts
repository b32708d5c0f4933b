import { parseSse } from './main';
import { ExitCode, formatProblem, parseIntOption, parseLabels, table, UsageError } from './output';

describe('table', () => {
  it('aligns columns, prints empty cells as "-" and trims trailing space', () => {
    const sut = table(['ID', 'NAME', 'ZONE'], [['1', 'web-1', null], ['22', 'w', 'eu-west-1a']]);
    expect(sut.split('\n')).toEqual(['ID  NAME   ZONE', '1   web-1  -', '22  w      eu-west-1a']);
  });
  it('prints only the header for no rows', () => {
    expect(table(['A', 'B'], [])).toBe('A  B');
  });
});

describe('formatProblem', () => {
  it.each([
    [400, { title: 'Bad request', status: 400, detail: 'invalid fields: port', errors: [{ field: 'port', messages: ['port must not be greater than 65535'] }] }, 'Bad request (400): invalid fields: port; port: port must not be greater than 65535'],
    [404, { title: 'Server not found', detail: 'Server x does not exist' }, 'Server not found (404): Server x does not exist'],
    [409, { title: 'Conflict', detail: 'Conflict' }, 'Conflict (409)'],
    [502, '<html>bad gateway</html>', 'Bad Gateway (502): <html>bad gateway</html>'],
    [503, undefined, 'Bad Gateway (503)'],
  ])('%i %j', (status, body, expected) => {
    expect(formatProblem(status, body, 'Bad Gateway')).toBe(expected);
  });
});

describe('option parsing', () => {
  it('parses labels and integers, and names the option when one is malformed', () => {
    expect(parseLabels(['tier=web', 'a=b=c'])).toEqual({ tier: 'web', a: 'b=c' });
    expect(() => parseLabels(['tier'])).toThrow(UsageError);
    expect(parseIntOption('--port', '9001')).toBe(9001);
    expect(parseIntOption('--port', undefined)).toBeUndefined();
    expect(() => parseIntOption('--port', '90x')).toThrow('--port expects an integer, got "90x"');
  });
  it('keeps the documented exit codes', () => {
    expect(ExitCode).toEqual({ Ok: 0, Usage: 1, ClientError: 2, ServerError: 3 });
  });
});

describe('parseSse', () => {
  it('reads id, event and multi-line data; ignores comments and keep-alives', () => {
    expect(parseSse('id: 7\nevent: decision\ndata: {"a":1}\ndata: x')).toEqual({ id: '7', event: 'decision', data: '{"a":1}\nx' });
    expect(parseSse(': keep-alive')).toBeNull();
    expect(parseSse('data:plain')).toEqual({ event: 'message', data: 'plain' });
  });
});
