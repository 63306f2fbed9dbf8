/**
 * roaring-mesh with the WebAssembly bitmap backend on any platform (`roaring-mesh/wasm`), for
 * Node.js hosts that cannot build the native addon. Import it instead of the root, not beside it:
 * the backend is chosen once per process.
 *
 * @packageDocumentation
 */
export * from './browser.ts'
