import { copyField, copyText } from './pg-copy';

describe('COPY text format', () => {
  it('writes null as \\N and booleans as t/f', () => {
    expect(copyField(null)).toBe('\\N');
    expect(copyField(undefined)).toBe('\\N');
    expect(copyField(true)).toBe('t');
    expect(copyField(false)).toBe('f');
    expect(copyField(0)).toBe('0');
  });

  it('escapes the characters that would end a field or a row, and a literal backslash', () => {
    expect(copyField('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(copyField('\\N')).toBe('\\\\N'); // the text "\N", not null
    expect(copyField('{"x":1}')).toBe('{"x":1}');
  });

  it('joins fields with tabs and ends every row with a newline', () => {
    const cols = [['a', 'int', (r: { a: number; b: string | null }) => r.a], ['b', 'text', (r: { a: number; b: string | null }) => r.b]] as const;
    expect(copyText(cols, [{ a: 1, b: 'x' }, { a: 2, b: null }])).toBe('1\tx\n2\t\\N\n');
  });
});
