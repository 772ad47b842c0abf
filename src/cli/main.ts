/** Entry point of the `sgc` command line (bin/sgc.js loads it): runs src/cli/run.ts on this process's arguments. */
import { quietOnClosedPipes } from './closedPipes.js';
import { quietLibraryWarnings } from './quietWarnings.js';
import { main } from './run.js';

quietOnClosedPipes();
quietLibraryWarnings();
process.exitCode = await main(process.argv.slice(2));
