/** Entry point of the `spikewasm` executable (bundled to dist/cli.js). */
import { main } from "./cli.js";

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
