/**
 * What the package check reads from a README: its install lines, its first
 * example (with the output it promises), and text that only makes sense
 * inside this repository.
 */

/** Fenced code blocks in order: { lang, code, line }. */
export function codeBlocks(markdown) {
  const blocks = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\w*)\s*$/.exec(lines[i]);
    if (open == null) continue;
    const indent = open[1].length;
    const body = [];
    let j = i + 1;
    while (j < lines.length && !/^\s*```\s*$/.test(lines[j])) body.push(lines[j++].slice(indent));
    blocks.push({ lang: open[2], code: `${body.join('\n')}\n`, line: i + 1, end: j + 1 });
    i = j;
  }
  return blocks;
}

/** The shell commands of a block: comments and blank lines dropped, `\` continuations joined. */
export function shellCommands(code) {
  return code
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** The `npm install ...` lines of the README's "## Install" section (its first sh block). */
export function installCommands(markdown) {
  const section = /^## Install\b[^\n]*\n([\s\S]*?)(?=^## )/m.exec(`${markdown}\n## `);
  if (section == null) return { error: 'no "## Install" section' };
  const block = codeBlocks(section[1]).find((b) => b.lang === 'sh');
  if (block == null) return { error: 'the Install section has no ```sh block' };
  const commands = shellCommands(block.code).filter((c) => c.startsWith('npm install'));
  if (commands.length === 0) return { error: 'the Install section has no `npm install` line' };
  return { commands };
}

/** The package names an `npm install` line asks for (versions stripped). */
export function installedNames(command) {
  return command
    .split(/\s+/)
    .slice(2)
    .filter((word) => !word.startsWith('-'))
    .map((word) => (word.startsWith('@') ? word.replace(/^(@[^/]+\/[^@]+)@.*$/, '$1') : word.replace(/@.*$/, '')));
}

/**
 * The first example after the Install section: a ```js block (or, for a
 * command-line package, the first ```sh block that runs one of its `bins`),
 * and the ```text block right after it, which is the output it promises.
 */
export function firstExample(markdown, bins = []) {
  const blocks = codeBlocks(markdown);
  const installAt = /^## Install\b/m.exec(markdown);
  const installLine = installAt == null ? 0 : markdown.slice(0, installAt.index).split('\n').length;
  const isExample = (b) =>
    ['js', 'ts', 'mjs', 'javascript', 'typescript'].includes(b.lang) ||
    (bins.length > 0 && b.lang === 'sh' && shellCommands(b.code).some((c) => bins.includes(c.split(/\s+/)[0])));
  const index = blocks.findIndex((b) => b.line > installLine && isExample(b));
  if (index < 0) return { error: bins.length > 0 ? `no example running ${bins.join(' or ')} after the Install section` : 'no ```js example after the Install section' };
  const example = blocks[index];
  if (example.lang === 'ts' || example.lang === 'typescript') {
    return { error: `the first example (line ${example.line}) is TypeScript: node cannot run it as written (make it JavaScript, or say how to run it with npx tsx)` };
  }
  const next = blocks[index + 1];
  const between = next == null ? '' : markdown.split('\n').slice(example.end, next.line - 1).join('\n');
  // one short paragraph ("`node x.mjs` prints:") may stand between the example and its output
  if (next == null || next.lang !== 'text' || /\n\s*\n/.test(between.trim()) || between.trim().split('\n').length > 4) {
    return { error: `the first example (line ${example.line}) is not followed by a \`\`\`text block with the output it prints` };
  }
  return { kind: example.lang === 'sh' ? 'sh' : 'js', code: example.code, expected: next.code, line: example.line };
}

/**
 * Whether `actual` output matches the promised one: line by line, where `…`
 * stands for any text within a line, and a line holding only `…` for any
 * number of lines.
 */
export function matchesOutput(expected, actual) {
  const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = expected
    .trimEnd()
    .split('\n')
    .map((line) => (line.trim() === '…' ? '(?:[^\\n]*\\n)*?' : `${line.split('…').map((part) => escape(part.trimEnd())).join('[^\\n]*?')}[ \\t]*\\n`))
    .join('');
  return new RegExp(`^${pattern}$`).test(`${actual.trimEnd().split('\n').map((l) => l.trimEnd()).join('\n')}\n`);
}

/** Text of a published README that only works inside this repository or that misleads on a package page. */
export function repositoryOnlyText(markdown) {
  const problems = [];
  const lines = markdown.split('\n');
  const rules = [
    [/\bpnpm (test|build|bench|start|demo|typecheck|lint|install)\b|npx -y pnpm@/, 'a repository command'],
    [/shared\/data/, 'the repository\'s shared test data'],
    [/\]\((?!https?:\/\/|#|mailto:)[^)]+\)/, 'a relative link (broken on the package page)'],
  ];
  lines.forEach((line, i) => {
    for (const [pattern, what] of rules) if (pattern.test(line)) problems.push(`line ${i + 1}: ${what}: ${line.trim().slice(0, 120)}`);
    // npx with an unscoped name asks the registry for that (other) package when it is not installed
    for (const match of line.matchAll(/\bnpx((?:\s+-{1,2}[\w-]+(?:=\S+)?)*)\s+([^\s`]+)/g)) {
      const flags = match[1];
      const target = match[2];
      if (!target.startsWith('@') && !/(?:^|\s)(?:-p|--package)[\s=]@/.test(`${flags} ${target}`)) {
        problems.push(`line ${i + 1}: \`npx ${target}\` runs whatever package the registry has under that name when it is not installed (say npx -p @scope/pkg ${target}, or install it first)`);
      }
    }
  });
  return problems;
}
