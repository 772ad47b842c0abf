/**
 * Every relative link and image in README.md, CONTRIBUTING.md and docs/**\/*.md points to a file or
 * folder that exists, and every #anchor to a heading of its target page (GitHub's heading ids).
 * Text moves between these pages; a link left pointing to where it was fails here.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { packageRoot } from '../../src/codeLocation.js';

const root = packageRoot;

/** Markdown without fenced code blocks and inline code spans, whose brackets are not links. */
function proseOf(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's id for a heading: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2. */
function headingIds(markdown: string): Set<string> {
  const withoutFences = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  const ids = new Set<string>();
  const seen = new Map<string, number>();
  for (const match of withoutFences.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const text = match[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    ids.add(count === 0 ? base : `${base}-${count}`);
  }
  return ids;
}

/** The relative link targets of a page: `[text](target)` and `![alt](target)`, minus URLs. */
function relativeTargets(markdown: string): string[] {
  const targets: string[] = [];
  for (const match of proseOf(markdown).matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const target = match[1]!;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
    targets.push(target);
  }
  return targets;
}

/** What is wrong with each relative link of the page at `file` (repository-relative messages). */
function brokenLinks(
  file: string,
  markdown: string,
  readPage: (path: string) => string | undefined,
): string[] {
  const problems: string[] = [];
  for (const target of relativeTargets(markdown)) {
    const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
    const path = pathPart === '' ? file : join(dirname(file), decodeURIComponent(pathPart));
    const name = relative(root, file);
    if (pathPart !== '' && !existsSync(path)) {
      problems.push(`${name}: ${target}: no file ${relative(root, path)}`);
      continue;
    }
    if (anchor === undefined) continue;
    const page = path.endsWith('.md') ? readPage(path) : undefined;
    if (page === undefined) {
      problems.push(`${name}: ${target}: an anchor into something that is not a Markdown page`);
    } else if (!headingIds(page).has(anchor)) {
      problems.push(`${name}: ${target}: no heading with the id #${anchor} in ${relative(root, path)}`);
    }
  }
  return problems;
}

function markdownFilesUnder(folder: string): string[] {
  return readdirSync(folder).flatMap((entry) => {
    const path = join(folder, entry);
    if (statSync(path).isDirectory()) return markdownFilesUnder(path);
    return entry.endsWith('.md') ? [path] : [];
  });
}

const readIfFile = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined);

describe('links in the docs', () => {
  test('the checker finds a missing file, a missing anchor and a good link apart', () => {
    const file = join(root, 'docs', 'page.md');
    const pages: Record<string, string> = {
      [join(root, 'docs', 'training.md')]: '# Training\n\n## GPUs\n\n## Runs\n',
    };
    const page =
      '# Page\n\n## A `code` heading (with parentheses)\n\n' +
      '[ok](training.md#gpus) [self](#a-code-heading-with-parentheses) ![fig](../README.md)\n' +
      '[gone](nowhere.md) [bad anchor](training.md#models) [web](https://example.org/x.md)\n' +
      '```\n[in a fence](nowhere-else.md)\n```\n`[in code](nor-here.md)`\n';
    const read = (path: string) => pages[path] ?? (path === file ? page : readIfFile(path));
    assert.deepEqual(brokenLinks(file, page, read), [
      'docs/page.md: nowhere.md: no file docs/nowhere.md',
      'docs/page.md: training.md#models: no heading with the id #models in docs/training.md',
    ]);
  });

  test('GitHub heading ids: punctuation dropped, repeats numbered', () => {
    const ids = headingIds("# The paper's scaling sweep\n## Runs\n## Runs\n### H\\* and `sgc results`\n");
    assert.deepEqual([...ids], ['the-papers-scaling-sweep', 'runs', 'runs-1', 'h-and-sgc-results']);
  });

  const pages = [
    join(root, 'README.md'),
    join(root, 'CONTRIBUTING.md'),
    ...markdownFilesUnder(join(root, 'docs')),
  ];
  test('README.md, CONTRIBUTING.md and docs/**/*.md have no broken relative link or anchor', () => {
    assert.ok(pages.length >= 8, `found ${pages.length} pages`);
    const problems = pages.flatMap((file) => brokenLinks(file, readFileSync(file, 'utf8'), readIfFile));
    assert.deepEqual(problems, []);
  });
});
