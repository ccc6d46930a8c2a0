/**
 * A tiny, safe arithmetic language for `combine: { formula }`: numbers, names, `+ - * /`, unary
 * minus, parentheses and the functions `min(...)`, `max(...)` and `ceil(x)`. It is parsed once into a
 * tree (no `eval`, no property access) and evaluated per tick against the per-metric proposals.
 */

/** A parsed formula. */
export type FormulaNode =
  | { kind: 'number'; value: number }
  | { kind: 'name'; name: string }
  | { kind: 'unary'; operand: FormulaNode }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/'; left: FormulaNode; right: FormulaNode }
  | { kind: 'call'; fn: 'min' | 'max' | 'ceil'; args: FormulaNode[] };

/** The result of parsing: the tree and the names it uses, or a message saying where it went wrong. */
export type ParsedFormula = { ok: true; node: FormulaNode; names: string[] } | { ok: false; message: string };

type Token = { type: 'num'; value: number; at: number } | { type: 'id' | 'op'; text: string; at: number };

const TOKEN = /\s*(?:(\d+(?:\.\d+)?|\.\d+)|([A-Za-z_][A-Za-z0-9_]*)|([-+*/(),]))/y;
const FUNCTIONS = new Set(['min', 'max', 'ceil']);
/** A formula longer than this is certainly a mistake; the bound keeps parsing trivially cheap. */
const MAX_LENGTH = 500;

function tokenize(text: string): Token[] | string {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < text.length) {
    if (text.slice(at).trim() === '') break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(text);
    if (!m) return `unexpected character ${JSON.stringify(text.slice(at).trim()[0])} at column ${at + 1}`;
    const start = m.index + m[0].length - (m[1] ?? m[2] ?? m[3] ?? '').length;
    if (m[1] !== undefined) tokens.push({ type: 'num', value: Number(m[1]), at: start });
    else if (m[2] !== undefined) tokens.push({ type: 'id', text: m[2], at: start });
    else tokens.push({ type: 'op', text: m[3]!, at: start });
    at = TOKEN.lastIndex;
  }
  return tokens;
}

/** Parses `text`; names are returned in order of first use. */
export function parseFormula(text: string): ParsedFormula {
  if (text.length > MAX_LENGTH) return { ok: false, message: `is longer than ${MAX_LENGTH} characters` };
  const tokens = tokenize(text);
  if (typeof tokens === 'string') return { ok: false, message: tokens };
  let i = 0;
  const names: string[] = [];
  const peek = () => tokens[i];
  const isOp = (t: Token | undefined, op: string) => t?.type === 'op' && t.text === op;
  const where = () => {
    const t = peek();
    return t ? `at column ${t.at + 1}` : 'at the end';
  };
  const fail = (what: string): never => {
    throw new Error(`${what} ${where()}`);
  };

  const primary = (): FormulaNode => {
    const t = peek();
    if (!t) return fail('expected a number, a name or "("');
    if (t.type === 'num') {
      i++;
      return { kind: 'number', value: t.value };
    }
    if (isOp(t, '(')) {
      i++;
      const inner = sum();
      if (!isOp(peek(), ')')) fail('expected ")"');
      i++;
      return inner;
    }
    if (isOp(t, '-')) {
      i++;
      return { kind: 'unary', operand: primary() };
    }
    if (t.type === 'id') {
      i++;
      if (isOp(peek(), '(')) {
        if (!FUNCTIONS.has(t.text)) fail(`unknown function "${t.text}" (use min, max, ceil)`);
        i++;
        const args: FormulaNode[] = [sum()];
        while (isOp(peek(), ',')) {
          i++;
          args.push(sum());
        }
        if (!isOp(peek(), ')')) fail('expected "," or ")"');
        i++;
        if (t.text === 'ceil' && args.length !== 1) fail('ceil takes exactly one argument,');
        return { kind: 'call', fn: t.text as 'min' | 'max' | 'ceil', args };
      }
      if (!names.includes(t.text)) names.push(t.text);
      return { kind: 'name', name: t.text };
    }
    return fail(`unexpected "${t.text}"`);
  };
  const product = (): FormulaNode => {
    let left = primary();
    while (isOp(peek(), '*') || isOp(peek(), '/')) {
      const op = (tokens[i++] as { text: '*' | '/' }).text;
      left = { kind: 'binary', op, left, right: primary() };
    }
    return left;
  };
  const sum = (): FormulaNode => {
    let left = product();
    while (isOp(peek(), '+') || isOp(peek(), '-')) {
      const op = (tokens[i++] as { text: '+' | '-' }).text;
      left = { kind: 'binary', op, left, right: product() };
    }
    return left;
  };

  try {
    if (tokens.length === 0) return { ok: false, message: 'is empty' };
    const node = sum();
    if (i < tokens.length) fail('unexpected input');
    return { ok: true, node, names };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

/**
 * Evaluates a parsed formula. Returns undefined when a name has no value or the result is not a
 * finite number (division by zero): the caller treats that as "no data", never as zero.
 */
export function evaluateFormula(node: FormulaNode, values: Record<string, number>): number | undefined {
  const run = (n: FormulaNode): number => {
    switch (n.kind) {
      case 'number':
        return n.value;
      case 'name': {
        const v = values[n.name];
        return v === undefined ? Number.NaN : v;
      }
      case 'unary':
        return -run(n.operand);
      case 'binary': {
        const a = run(n.left);
        const b = run(n.right);
        if (n.op === '+') return a + b;
        if (n.op === '-') return a - b;
        if (n.op === '*') return a * b;
        return a / b;
      }
      case 'call': {
        const args = n.args.map(run);
        if (n.fn === 'ceil') return Math.ceil(args[0]!);
        return n.fn === 'min' ? Math.min(...args) : Math.max(...args);
      }
    }
  };
  const result = run(node);
  return Number.isFinite(result) ? result : undefined;
}
