// Types of `#isomorphic-git` (package.json "imports"): at run time the name is
// dist/vendor/isomorphic-git.js, its CommonJS build run with V8's code cache
// (scripts/bundle-vendor.js); its API is isomorphic-git's.
export * from 'isomorphic-git'
export {default} from 'isomorphic-git'
