/**
 * Where a CPU profile (.cpuprofile from node --cpu-prof) spent its busy time, by package and by
 * function (self time), and by function including what it called (total time):
 * `npx tsx bench/profile-summary.ts <file> [top] [skipSeconds]` (skip start-up: module loading
 * dominates the first seconds). Functions are named with their file, line and column: tsx's output
 * keeps a module on few lines, so a line alone does not say which function it is.
 */
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg, skipArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [top] [skipSeconds]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
const skipMs = Number(skipArg ?? 0) * 1000;
const selfMs = new Map<number, number>();
let elapsedMs = 0;
profile.samples.forEach((id, i) => {
  const ms = (profile.timeDeltas[i] ?? 0) / 1000;
  elapsedMs += ms;
  if (elapsedMs >= skipMs) selfMs.set(id, (selfMs.get(id) ?? 0) + ms);
});

/** A package name for a script URL: node_modules/<pkg>, node: internals, or the repo folder. */
function owner(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  if (url.startsWith('node:')) return url.replace(/^node:internal\/([^/]+).*/, 'node:$1');
  const repo = /\/(apps\/[^/]+|packages\/[^/]+)\//.exec(url);
  return repo?.[1] ?? url;
}

function functionName(node: ProfileNode): string {
  const { url, lineNumber, columnNumber } = node.callFrame;
  const where = url ? `${owner(node)}/${path.basename(url)}:${lineNumber + 1}:${columnNumber + 1}` : owner(node);
  return `${node.callFrame.functionName || '(anonymous)'} ${where}`;
}

const packages = new Map<string, number>();
const functions = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
let idle = 0;
for (const [id, ms] of selfMs) {
  const node = byId.get(id);
  if (!node) continue;
  total += ms;
  if (node.callFrame.functionName === '(idle)') {
    idle += ms;
    continue;
  }
  const pkg = owner(node);
  packages.set(pkg, (packages.get(pkg) ?? 0) + ms);
  functions.set(functionName(node), (functions.get(functionName(node)) ?? 0) + ms);
  // Each function on the sample's stack once (a recursive one is not counted twice).
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
    const frame = byId.get(at);
    if (!frame || frame.callFrame.functionName === '(root)') continue;
    const name = functionName(frame);
    if (seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + ms);
  }
}
const busy = total - idle;
const show = (title: string, entries: Map<string, number>) => {
  console.log(`\n${title} (% of ${busy.toFixed(0)} ms busy)`);
  for (const [name, ms] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((ms / busy) * 100).toFixed(1).padStart(5)} %  ${name}`);
  }
};
console.log(`${file}: ${(total / 1000).toFixed(1)} s sampled, ${((idle / total) * 100).toFixed(0)} % idle`);
show('by package, self time', packages);
show('by function, self time', functions);
show('by function, with what it called', inclusive);
