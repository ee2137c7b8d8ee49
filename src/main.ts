/**
 * borgql's entry point for `npm start` and service managers
 * (`node dist/main.js`): the server, as `borgql serve` runs it
 * (src/cli/serve.ts).
 */
// first: sets NODE_ENV before graphql loads (production-mode.ts)
import './cli/production-mode.js';
import { serve } from './cli/serve.js';

void serve();
