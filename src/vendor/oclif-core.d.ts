// Types of `#oclif` (package.json "imports"): at run time the name is dist/vendor/oclif-core.js,
// @oclif/core bundled into one module by scripts/bundle-vendor.js; its API is @oclif/core's.
export * from '@oclif/core'
