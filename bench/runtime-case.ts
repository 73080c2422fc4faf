/**
 * One case of `npm run bench:runtime`, in a process of its own: the JSON case is the first
 * argument; the result is printed as one JSON line. Run by bench/runtime.ts.
 */
import { type BenchCase, runHere } from "./lib/runtime-cases.js";

const result = await runHere(JSON.parse(process.argv[2] ?? "") as BenchCase);
console.log(JSON.stringify(result));
// Stray handles (an unref'd timer, a closing socket) must not hold the parent up.
process.exit(0);
