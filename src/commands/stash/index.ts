import StashPush from './push.js'

/** `bl stash` alone pushes, as `git stash` does. */
export default class Stash extends StashPush {
  static override summary = 'Put local changes aside (same as `bl stash push`); see the sub-commands to bring them back.'
  static override examples = ['<%= config.bin %> stash', '<%= config.bin %> stash list', '<%= config.bin %> stash pop', '<%= config.bin %> stash -u -m "scratch outputs"', '<%= config.bin %> stash -- labels/']
  static override pathsAfterDashDashOnly = true
}
