/**
 * The code version hashed into every configHash: a new release of sgc trains runs afresh instead of
 * reusing results an older version computed. Read from package.json, so a release bump is the one
 * place to change it.
 */
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export const SGC_VERSION: string = pkg.version;
export const CODE_VERSION = `sgc@${SGC_VERSION}`;
