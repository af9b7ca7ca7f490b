// A dedicated Worker that hashes one file (see sha256-serve.ts): bundled by Vite as a file of its own.
import { serveSha256, type HashWorkerScope } from './sha256-serve.js';

serveSha256(self as unknown as HashWorkerScope);
