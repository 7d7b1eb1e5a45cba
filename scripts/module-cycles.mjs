// The app's modules (top-level modules of src/) must not import each other
// in a cycle: prints every cycle found and exits 1 if there is one.
//
//   node scripts/module-cycles.mjs [src]
//
// A module's dependencies are the `crate::<module>` paths its files name
// (also inside `use crate::{a, b::c}` groups); a module's files are
// src/<module>.rs and everything under src/<module>/.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const root = process.argv[2] ?? 'src';
const deps = new Map();

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.rs') ? [p] : [];
  });
}

for (const file of files(root)) {
  let mod = relative(root, file).split(sep)[0].replace(/\.rs$/, '');
  if (mod === 'lib' || mod === 'main') continue;
  const text = readFileSync(file, 'utf8');
  const found = new Set();
  for (const m of text.matchAll(/crate::([a-z_][a-z0-9_]*)/g)) found.add(m[1]);
  for (const m of text.matchAll(/crate::\{([^}]*)\}/gs)) {
    for (const item of m[1].split(',')) {
      const name = item.trim().split(/[:\s]/)[0];
      if (name) found.add(name);
    }
  }
  found.delete(mod);
  if (!deps.has(mod)) deps.set(mod, new Set());
  for (const d of found) deps.get(mod).add(d);
}

// Tarjan's strongly connected components: any with two or more modules is
// a cycle.
let counter = 0;
const index = new Map(), low = new Map(), stack = [], on = new Set(), cycles = [];
function visit(v) {
  index.set(v, counter); low.set(v, counter); counter++;
  stack.push(v); on.add(v);
  for (const w of deps.get(v) ?? []) {
    if (!deps.has(w)) continue;
    if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
    else if (on.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
  }
  if (low.get(v) === index.get(v)) {
    const comp = [];
    let w;
    do { w = stack.pop(); on.delete(w); comp.push(w); } while (w !== v);
    if (comp.length > 1) cycles.push(comp.sort());
  }
}
for (const v of deps.keys()) if (!index.has(v)) visit(v);

if (cycles.length === 0) {
  console.log(`${deps.size} modules in ${root}/, no import cycle`);
} else {
  for (const c of cycles) {
    console.log(`import cycle among: ${c.join(', ')}`);
    for (const m of c) console.log(`  ${m} -> ${[...deps.get(m)].filter((d) => c.includes(d)).sort().join(', ')}`);
  }
  process.exit(1);
}
