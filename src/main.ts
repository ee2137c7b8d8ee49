/**
 * borgql's entry point for `npm start` and service managers
 * (`node dist/main.js`): the server, as `borgql serve` runs it
 * (src/cli/serve.ts).
 */
import { serve } from './cli/serve.js';

void serve();
