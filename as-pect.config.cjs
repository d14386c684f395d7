// as-pect configuration for the AssemblyScript kernel unit tests (test/assembly/*.spec.ts).
// Compiler options live in as-pect.asconfig.json (the file `asp` reads by default; as-pect 8 takes no
// compiler flags here): it enables SIMD (`"enable": ["simd"]`, the kernels use v128) and keeps as-pect's
// own runtime settings (full runtime, exported memory), since the tests allocate their scratch buffers.
module.exports = {
  /** Test files: one spec per kernel file in assembly/. */
  entries: ["test/assembly/**/*.spec.ts"],
  /** Files added to every test compilation (none; the pattern must match nothing). */
  include: ["test/assembly/**/*.include.ts"],
  /** Regexps of files never treated as tests. */
  disclude: [/node_modules/],
  /** The test module imports only as-pect's own host functions. */
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  /** Do not write the compiled test binaries to disk. */
  outputBinary: false,
};
