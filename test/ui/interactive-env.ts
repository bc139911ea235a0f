/**
 * Imported first by Ink tests that need live frames: Ink decides when it loads (is-in-ci) whether
 * to draw frames or only the last one, and these tests run in CI too. Colour is decided at load as
 * well (FORCE_COLOR); frames are compared as plain text, so it is off. Each test file is its own
 * process, so nothing else is affected.
 */
delete process.env.CI
delete process.env.CONTINUOUS_INTEGRATION
process.env.FORCE_COLOR = '0'
