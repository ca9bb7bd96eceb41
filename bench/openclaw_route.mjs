// OpenClaw's own routing resolver over a JSONL batch, timed like `claw-tui route --batch`.
//
// Loads `resolveAgentRoute` from an installed `openclaw` package (its public
// `openclaw/plugin-sdk/routing` export), then for each run: reads the input file, parses each
// line, resolves it against the config, stringifies the route (or {"error": ...}) and writes one
// line per input line to the output file. Separately it times resolve alone over the parsed
// messages. Prints one JSON line of figures on stdout: wall and CPU milliseconds per run (CPU is
// user + system of the whole process, so it counts V8's helper threads too; on a shared machine
// it is the steadier figure).
//
//   node bench/openclaw_route.mjs --package DIR --config CFG.json --input IN.jsonl \
//        --output OUT.jsonl [--runs N] [--resolve-runs M]
//
// --runs: batches in this process (V8 warms up over the first); --resolve-runs: resolve-only
// passes afterwards (default: as many as --runs; 0 to time the batch alone).
//
// Needs Node >= 24.16 (OpenClaw's own requirement); scripts/install-openclaw.sh installs both.

import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    package: { type: "string" },
    config: { type: "string" },
    input: { type: "string" },
    output: { type: "string" },
    runs: { type: "string", default: "1" },
    "resolve-runs": { type: "string" },
  },
});
for (const name of ["package", "config", "input", "output"]) {
  if (!args[name]) {
    process.stderr.write(`openclaw_route: --${name} is required\n`);
    process.exit(2);
  }
}

async function loadResolver(packageDir) {
  const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));
  const entry = manifest.exports?.["./plugin-sdk/routing"];
  const file = typeof entry === "string" ? entry : entry?.default;
  if (!file) throw new Error(`${packageDir}: no ./plugin-sdk/routing export`);
  const mod = await import(pathToFileURL(join(packageDir, file)).href);
  if (typeof mod.resolveAgentRoute !== "function") {
    throw new Error(`${packageDir}/${file}: no resolveAgentRoute`);
  }
  return { resolveAgentRoute: mod.resolveAgentRoute, version: manifest.version };
}

function routeInput(cfg, m) {
  return {
    cfg,
    channel: m.channel,
    accountId: m.accountId,
    peer: m.peer,
    parentPeer: m.parentPeer,
    guildId: m.guildId,
    teamId: m.teamId,
    memberRoleIds: m.memberRoleIds,
  };
}

const CHUNK = 1 << 16;

// Read, parse, resolve, stringify, write: the whole batch, as the CLI does it.
function batch(resolve, cfg, inputPath, outputPath) {
  const fd = openSync(outputPath, "w");
  let out = "";
  let lines = 0;
  let failures = 0;
  const text = readFileSync(inputPath, "utf8");
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    lines += 1;
    let result;
    try {
      result = JSON.stringify(resolve(routeInput(cfg, JSON.parse(line))));
    } catch (err) {
      failures += 1;
      result = JSON.stringify({ error: `line ${lines}: ${err.message}` });
    }
    out += result + "\n";
    if (out.length >= CHUNK) {
      writeSync(fd, out);
      out = "";
    }
  }
  if (out) writeSync(fd, out);
  closeSync(fd);
  return { lines, failures };
}

function resolveOnly(resolve, cfg, messages) {
  const inputs = messages.map((m) => routeInput(cfg, m));
  let sink = 0;
  for (const input of inputs) sink += resolve(input).agentId.length;
  return sink;
}

// Wall and CPU milliseconds of fn().
function timed(fn) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = fn();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / 1000, result };
}

const loadStart = performance.now();
const { resolveAgentRoute, version } = await loadResolver(args.package);
const cfg = JSON.parse(readFileSync(args.config, "utf8"));
const loadMs = performance.now() - loadStart;

const runs = Math.max(1, Number.parseInt(args.runs, 10) || 1);
const batchMs = [];
const batchCpuMs = [];
let counts;
for (let i = 0; i < runs; i += 1) {
  const t = timed(() => batch(resolveAgentRoute, cfg, args.input, args.output));
  batchMs.push(t.wall);
  batchCpuMs.push(t.cpu);
  counts = t.result;
}
const resolveRuns = args["resolve-runs"] === undefined ? runs
  : Math.max(0, Number.parseInt(args["resolve-runs"], 10) || 0);
const messages = resolveRuns === 0 ? []
  : readFileSync(args.input, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
const resolveMs = [];
const resolveCpuMs = [];
for (let i = 0; i < resolveRuns; i += 1) {
  const t = timed(() => resolveOnly(resolveAgentRoute, cfg, messages));
  resolveMs.push(t.wall);
  resolveCpuMs.push(t.cpu);
}

process.stdout.write(JSON.stringify({
  openclaw: version,
  node: process.version,
  loadMs,
  lines: counts.lines,
  failures: counts.failures,
  batchMs,
  batchCpuMs,
  resolveMs,
  resolveCpuMs,
}) + "\n");
