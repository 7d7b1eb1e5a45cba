// Draws the app icons (PNG) from the design of public/favicon.svg: a blue
// rounded square, three white lines and an amber dot. Uses only Node's
// built-ins (zlib for the PNG encoding), so anyone can regenerate them:
//
//   node scripts/make-icons.mjs        # writes public/icons/*.png
//
// The output is deterministic; the PNGs are committed.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'public', 'icons');

// The favicon's drawing, in its 64 × 64 viewBox units.
const BLUE = [0x1f, 0x5f, 0xa8];
const WHITE = [0xff, 0xff, 0xff];
const AMBER = [0xf2, 0xa9, 0x00];
const LINES = [
  [18, 20, 46, 20],
  [18, 32, 46, 32],
  [18, 44, 36, 44],
];
const LINE_RADIUS = 3; // stroke-width 6, round caps
const DOT = [46, 44, 5];

// Signed distances (negative inside), in design units.
function roundedSquare(x, y, size, radius) {
  const h = size / 2;
  const qx = Math.abs(x - h) - (h - radius);
  const qy = Math.abs(y - h) - (h - radius);
  const outside = Math.hypot(Math.max(qx, 0), Math.max(qy, 0));
  return outside + Math.min(Math.max(qx, qy), 0) - radius;
}
function capsule(x, y, [x1, y1, x2, y2], r) {
  const dx = x2 - x1;
  const dy = y2 - y1;
  const t = Math.max(0, Math.min(1, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - (x1 + t * dx), y - (y1 + t * dy)) - r;
}
function circle(x, y, [cx, cy, r]) {
  return Math.hypot(x - cx, y - cy) - r;
}

/**
 * Render one icon as RGBA rows.
 * @param {number} size pixels
 * @param {{maskable?: boolean}} options maskable: full-bleed background and
 *   the drawing shrunk into the safe zone (the central 80% circle).
 */
function render(size, { maskable = false } = {}) {
  const px = size / 64; // pixels per design unit
  const glyphScale = maskable ? 0.8 : 1;
  const rgba = Buffer.alloc(size * size * 4);
  const cover = (dUnits, scale = 1) => Math.max(0, Math.min(1, 0.5 - dUnits * scale * px));
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      const x = (i + 0.5) / px;
      const y = (j + 0.5) / px;
      // Premultiplied colour and alpha, painted back to front.
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      const paint = (rgb, alpha) => {
        r = rgb[0] * alpha + r * (1 - alpha);
        g = rgb[1] * alpha + g * (1 - alpha);
        b = rgb[2] * alpha + b * (1 - alpha);
        a = alpha + a * (1 - alpha);
      };
      paint(BLUE, maskable ? 1 : cover(roundedSquare(x, y, 64, 12)));
      // The glyph, scaled about the centre.
      const gx = 32 + (x - 32) / glyphScale;
      const gy = 32 + (y - 32) / glyphScale;
      const line = Math.min(...LINES.map((l) => capsule(gx, gy, l, LINE_RADIUS)));
      paint(WHITE, cover(line, glyphScale));
      paint(AMBER, cover(circle(gx, gy, DOT), glyphScale));
      const o = (j * size + i) * 4;
      rgba[o] = a ? Math.round(r / a) : 0;
      rgba[o + 1] = a ? Math.round(g / a) : 0;
      rgba[o + 2] = a ? Math.round(b / a) : 0;
      rgba[o + 3] = Math.round(a * 255);
    }
  }
  return rgba;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** Encode RGBA pixels as a PNG (8-bit RGBA, no filtering). */
export function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const ICONS = [
  ['icon-192.png', 192, {}],
  ['icon-512.png', 512, {}],
  ['icon-maskable-512.png', 512, { maskable: true }],
];

mkdirSync(OUT, { recursive: true });
for (const [name, size, options] of ICONS) {
  const png = encodePng(size, render(size, options));
  writeFileSync(path.join(OUT, name), png);
  console.log(`${path.relative(ROOT, path.join(OUT, name))}: ${size}×${size}, ${png.length} bytes`);
}
