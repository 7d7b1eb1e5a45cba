// Starts the app: loads the wasm-bindgen glue and the .wasm that Trunk built.
// Trunk writes their (hashed) URLs into the <script data-sms-boot> tag that
// loads this file (`pattern_script` in Trunk.toml). Being a file rather than
// an inline script, it lets the Content-Security-Policy stay
// `script-src 'self' 'wasm-unsafe-eval'` with no per-build hash.
const tag = document.querySelector('script[data-sms-boot]');
const url = (name) => new URL(tag.dataset[name], document.baseURI).href;
const bindings = await import(url('js'));
const wasm = await bindings.default({ module_or_path: url('wasm') });
window.wasmBindings = bindings;
dispatchEvent(new CustomEvent('TrunkApplicationStarted', { detail: { wasm } }));
