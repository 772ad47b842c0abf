/** The store suite on the embedded database (PGlite). */
import { describe } from 'node:test';
import { pgliteBackend } from './fixtures.js';
import { storeSuite } from './suite.js';

describe('store on PGlite', () => storeSuite(pgliteBackend));
