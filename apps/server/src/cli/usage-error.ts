/** A command line the CLI cannot run: said in a line, followed by the usage (cli.ts). */
export class UsageError extends Error {}
