/**
 * What the sandbox's import map gives code being graded for the Node modules that would let it
 * around the sandbox: `node:v8` (a heap snapshot shows the grading process's memory),
 * `node:worker_threads` (a new thread gets fresh copies of the library, with nothing withheld;
 * the library's kernels keep theirs), `node:module` (a `require` past the import map),
 * `node:inspector`, `node:vm` and `node:cluster`. Importing it throws.
 *
 * @module
 */
throw new Error(
  "this Node module is not available while your code is graded (node:v8, node:worker_threads, " +
    "node:module, node:inspector, node:vm, node:cluster): your stage needs only the kit's " +
    "library (../mod.ts)",
);
