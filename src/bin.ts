/** Entry point of the `spikewasm` executable (bundled to dist/cli.js). */
import { main } from "./cli.js";

// A reader that stops early (`spikewasm run … | head -2`) closes the pipe: stop quietly, as Unix tools do,
// rather than with Node's unhandled EPIPE stack trace. Output files are written before anything is printed.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
    process.exit(process.exitCode ?? 0);
  });

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
