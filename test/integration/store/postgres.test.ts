/** The store suite on a real PostgreSQL server (Debian's postgresql, started for this file). */
import { describe } from 'node:test';
import { postgresBackend } from './fixtures.js';
import { storeSuite } from './suite.js';

describe('store on PostgreSQL', () => storeSuite(postgresBackend));
