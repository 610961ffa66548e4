// `npm run migrate`: applies pending migrations to DATABASE_URL (or the embedded database) and exits.
import { configFromProcess } from '../config.js';
import { openDatabase } from '../db/node.js';

const config = configFromProcess();
const db = await openDatabase(config);
process.stdout.write(`migrations applied to ${db.mode === 'embedded' ? `embedded database at ${db.where}` : db.where}\n`);
await db.close();
