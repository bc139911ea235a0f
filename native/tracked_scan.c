/*
 * scanTracked(root, index, clockDev, otherDeviceMarginMs): the tracked half of a status, from
 * the index blob itself.
 *
 * Why native: a no-change status of 50,000 files spent as much time building 50,000 JavaScript
 * entries, a Map, the walk's objects and collecting their garbage as it spent in the kernel. Here
 * the index (docs/format/store.md) is read in place and every directory holding tracked files is
 * listed and fstatat'd relative to its open parent; JavaScript receives only what is not provably
 * clean.
 *
 * Returns
 *  - {flagged: Float64Array, dirs: [{dir, names, info}]}:
 *    flagged holds (byte offset of the entry in the blob, flag) pairs, in index order, for each
 *    entry whose stat does not prove it unchanged: flag 1 = listed as a file or symlink but the
 *    stat cache cannot tell (the caller lstats and compares again); flag 2 = not in the work tree
 *    as a file or symlink. dirs lists each directory (repo-relative, '' for the top) holding a name
 *    that is neither a tracked file nor a tracked directory, with its whole listing: names, and per
 *    name info = type (0 file, 1 dir, 2 symlink, 3 other) | 4 when the name is tracked.
 *  - null when the blob is not one this code reads (another version, malformed, a path that is
 *    also a directory): the caller decodes it, and fails, as it always did.
 *  - a negative errno when a directory or an entry cannot be read for another reason than being
 *    gone (EACCES, EIO, ...): the caller walks the tree its own way and reports it.
 *
 * The clean test is index-state.ts statClean, field for field; times are combined as Node does
 * (sec * 1e3 + nsec / 1e6), so the doubles compare equal with what either reader stored.
 *
 * The directories are shared out among up to MAX_THREADS threads (the calling one included): the
 * kernel's path lookups are most of the cost, and they run in parallel. Each thread opens a
 * directory relative to its parent, opening the ancestors it has not open itself, never
 * following a symlink (O_NOFOLLOW on every component below the top). Opening one component at
 * a time also reaches paths longer than PATH_MAX, which the JavaScript walk's absolute paths
 * cannot (a flagged entry or an untracked directory that deep still fails there, as before).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <node_api.h>

#ifdef __APPLE__
#define st_mtim st_mtimespec
#define st_ctim st_ctimespec
#endif

#define TAG 0x49
#define FIXED 76 /* u16 path length + u8 kind + u8 exec + f64 size + id[32] + 4 x f64 */
#define V1_MARGIN_MS 1000.0
#define MAX_THREADS 4
/* Below this many entries a second thread costs more than it saves. */
#define THREAD_MIN_ENTRIES 2000
/* Directories a thread takes at a time. */
#define GRAB 4

enum { KIND_FILE = 0, KIND_DIR = 1, KIND_SYMLINK = 2 };
enum { T_FILE = 0, T_DIR = 1, T_SYMLINK = 2, T_OTHER = 3, TRACKED = 4 };
enum { FLAG_CLEAN = 0, FLAG_CHECK = 1, FLAG_GONE = 2 };

typedef struct {
  size_t offset; /* of the entry in the blob; its fields are read from there */
  uint32_t plen;
  uint32_t dir; /* index into dirs */
  uint8_t flag;
} entry;

/* A directory above a tracked file: a prefix of that file's path, in the blob ("" for the top). */
typedef struct {
  const char *path;
  uint32_t plen;
  uint32_t parent; /* index into dirs (the top's is itself) */
  /* Its parent's listing has this exact name as a directory. Opening by name can succeed on
   * another spelling (a case-insensitive or normalizing file system), which the JavaScript walk
   * would not take for the tracked directory. Written only by the thread scanning the parent. */
  uint8_t seen;
  uint8_t valid; /* seen, and so are all its ancestors: set after the walk */
} dir;

/* One directory's names (NUL-terminated, one after another) and per name its info byte. */
typedef struct {
  size_t dir; /* index into dirs */
  char *names;
  size_t names_len;
  uint8_t *info;
  size_t len;
} listing;

typedef struct {
  listing *items;
  size_t len, cap;
} listings;

typedef struct {
  const uint8_t *blob;
  double v1_margin, clock_dev, margin_other;
  size_t n;
  entry *entries;
  dir *dirs; /* in the order found; the table refers to them */
  size_t ndirs;
  size_t *order; /* dirs indexes, each directory before its subtree */
  /* Open addressing: 0 = empty, i + 1 = entry i (i < n) or directory i - n. */
  uint32_t *slots;
  size_t mask;
  const char *root;
  atomic_size_t next; /* the next position in `order` to hand out */
} scan;

typedef struct {
  scan *s;
  listings found;
  /* The directory being scanned: its names and info, kept only when it holds an untracked name. */
  char *names;
  size_t names_len, names_cap;
  uint8_t *info;
  size_t len, cap;
  int err;
} worker;

static double rd_f64(const uint8_t *p) {
  double d;
  memcpy(&d, p, 8); /* the format is little-endian, as every platform Node runs on */
  return d;
}

static uint64_t hash_bytes(const char *s, uint32_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (uint32_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 1099511628211ULL;
  return h;
}

static void key_of(const scan *s, uint32_t slot_value, const char **key, uint32_t *len) {
  size_t i = slot_value - 1;
  if (i < s->n) {
    *key = (const char *)s->blob + s->entries[i].offset + 2;
    *len = s->entries[i].plen;
  } else {
    *key = s->dirs[i - s->n].path;
    *len = s->dirs[i - s->n].plen;
  }
}

/* The slot holding `key`, or the empty one where it belongs. */
static size_t slot_of(const scan *s, const char *key, uint32_t len) {
  size_t i = hash_bytes(key, len) & s->mask;
  for (; s->slots[i]; i = (i + 1) & s->mask) {
    const char *k;
    uint32_t kl;
    key_of(s, s->slots[i], &k, &kl);
    if (kl == len && memcmp(k, key, len) == 0) break;
  }
  return i;
}

/* A component bl never stores: the index is not one this code trusts to walk. */
static int bad_component(const char *p, uint32_t n) {
  if (n == 0) return 1;
  if (p[0] == '.' && (n == 1 || (n == 2 && p[1] == '.'))) return 1;
  return memchr(p, 0, n) != NULL;
}

/* Strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF), as bl stores names.
 * JavaScript decodes anything else with replacement characters, so its walk never finds such a
 * path; comparing raw bytes here would. */
static int valid_utf8(const uint8_t *p, uint32_t n) {
  for (uint32_t i = 0; i < n;) {
    uint8_t c = p[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    uint32_t len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (!len || i + len > n) return 0;
    for (uint32_t k = 1; k < len; k++)
      if ((p[i + k] & 0xc0) != 0x80) return 0;
    if (c == 0xe0 && p[i + 1] < 0xa0) return 0; /* overlong */
    if (c == 0xed && p[i + 1] > 0x9f) return 0; /* surrogate */
    if (c == 0xf0 && p[i + 1] < 0x90) return 0; /* overlong */
    if (c == 0xf4 && p[i + 1] > 0x8f) return 0; /* past U+10FFFF */
    i += len;
  }
  return 1;
}

/* The directory holding `path` (its prefix before the last '/'), once every directory is in the table. */
static uint32_t dir_of(const scan *s, const char *path, uint32_t plen) {
  uint32_t k = plen;
  while (k > 0 && path[k - 1] != '/') k--;
  if (k == 0) return 0;
  return s->slots[slot_of(s, path, k - 1)] - 1 - (uint32_t)s->n;
}

/* Parses the blob and fills the table. 1 = done; 0 = not an index this code reads; -1 = out of memory. */
static int parse_index(scan *s, const uint8_t *buf, size_t len) {
  if (len < 6 || buf[0] != TAG || (buf[1] != 1 && buf[1] != 2)) return 0;
  s->blob = buf;
  s->v1_margin = buf[1] == 1 ? V1_MARGIN_MS : 0;
  uint32_t n = (uint32_t)buf[2] | (uint32_t)buf[3] << 8 | (uint32_t)buf[4] << 16 | (uint32_t)buf[5] << 24;
  if (n > len / FIXED || n >= UINT32_MAX / 4) return 0;
  s->n = n;
  s->entries = malloc((n ? n : 1) * sizeof(entry));
  if (!s->entries) return -1;
  size_t o = 6, slashes = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (o + FIXED > len) return 0;
    uint32_t plen = (uint32_t)buf[o] | (uint32_t)buf[o + 1] << 8;
    if (o + FIXED + plen > len) return 0;
    s->entries[i] = (entry){.offset = o, .plen = plen, .flag = FLAG_GONE /* until found */};
    const char *path = (const char *)buf + o + 2;
    /* The JavaScript walk never enters .bl, and never finds a name that is not UTF-8. */
    if ((plen >= 3 && memcmp(path, ".bl", 3) == 0 && (plen == 3 || path[3] == '/')) || !valid_utf8((const uint8_t *)path, plen)) return 0;
    uint32_t start = 0;
    for (uint32_t k = 0; k <= plen; k++) {
      if (k == plen || path[k] == '/') {
        if (bad_component(path + start, k - start)) return 0;
        slashes += k < plen;
        start = k + 1;
      }
    }
    o += FIXED + plen;
  }
  if (o != len) return 0;

  /* At most one directory per '/', plus the top. */
  size_t cap = 16;
  while (cap < (n + slashes + 1) * 2) cap <<= 1;
  s->mask = cap - 1;
  s->slots = calloc(cap, sizeof(uint32_t));
  s->dirs = malloc((slashes + 1) * sizeof(dir));
  if (!s->slots || !s->dirs) return -1;
  for (uint32_t i = 0; i < n; i++) {
    size_t slot = slot_of(s, (const char *)buf + s->entries[i].offset + 2, s->entries[i].plen);
    if (s->slots[slot]) return 0; /* the same path twice */
    s->slots[slot] = i + 1;
  }
  s->dirs[0] = (dir){.path = "", .plen = 0, .seen = 1};
  s->ndirs = 1;
  for (uint32_t i = 0; i < n; i++) {
    const char *path = (const char *)buf + s->entries[i].offset + 2;
    for (int64_t k = (int64_t)s->entries[i].plen - 1; k > 0; k--) {
      if (path[k] != '/') continue;
      size_t slot = slot_of(s, path, (uint32_t)k);
      if (s->slots[slot]) {
        if (s->slots[slot] - 1 < s->n) return 0; /* a tracked file is also a directory */
        break; /* this directory, and so every one above it, is in already */
      }
      s->dirs[s->ndirs] = (dir){.path = path, .plen = (uint32_t)k};
      s->slots[slot] = (uint32_t)(s->n + s->ndirs + 1);
      s->ndirs++;
    }
  }
  for (size_t d = 1; d < s->ndirs; d++) s->dirs[d].parent = dir_of(s, s->dirs[d].path, s->dirs[d].plen);
  for (uint32_t i = 0; i < n; i++) s->entries[i].dir = dir_of(s, (const char *)buf + s->entries[i].offset + 2, s->entries[i].plen);
  return 1;
}

/* Order where a directory's whole subtree follows it ('/' sorts first). */
static const dir *sort_dirs;
static int dir_cmp(const void *a, const void *b) {
  const dir *x = &sort_dirs[*(const size_t *)a], *y = &sort_dirs[*(const size_t *)b];
  uint32_t n = x->plen < y->plen ? x->plen : y->plen;
  for (uint32_t i = 0; i < n; i++) {
    unsigned cx = x->path[i] == '/' ? 0 : (uint8_t)x->path[i];
    unsigned cy = y->path[i] == '/' ? 0 : (uint8_t)y->path[i];
    if (cx != cy) return cx < cy ? -1 : 1;
  }
  return x->plen < y->plen ? -1 : x->plen > y->plen ? 1 : 0;
}

static pthread_mutex_t sort_lock = PTHREAD_MUTEX_INITIALIZER;

static int order_dirs(scan *s) {
  s->order = malloc(s->ndirs * sizeof(size_t));
  if (!s->order) return -1;
  for (size_t i = 0; i < s->ndirs; i++) s->order[i] = i;
  /* qsort has no context argument everywhere; the comparator's global is guarded. */
  pthread_mutex_lock(&sort_lock);
  sort_dirs = s->dirs;
  qsort(s->order, s->ndirs, sizeof(size_t), dir_cmp);
  pthread_mutex_unlock(&sort_lock);
  return 0;
}

static int stat_clean(const scan *s, const entry *e, const struct stat *sb) {
  const uint8_t *f = s->blob + e->offset + 2 + e->plen;
  uint8_t kind = f[0], exec = f[1];
  int is_reg = S_ISREG(sb->st_mode), is_lnk = S_ISLNK(sb->st_mode);
  if (kind == KIND_FILE ? !is_reg : kind == KIND_SYMLINK ? !is_lnk : 1) return 0;
  if (is_reg && ((sb->st_mode & 0100) != 0) != (exec == 1)) return 0;
  double size = rd_f64(f + 2), mtime = rd_f64(f + 42), ctime = rd_f64(f + 50), ino = rd_f64(f + 58), checked = rd_f64(f + 66);
  if (s->v1_margin && checked != 0) checked -= s->v1_margin;
  double margin = s->clock_dev != s->clock_dev /* NaN: unknown */ || (double)sb->st_dev == s->clock_dev ? 0 : s->margin_other;
  double now_mtime = (double)sb->st_mtim.tv_sec * 1e3 + (double)sb->st_mtim.tv_nsec / 1e6;
  double now_ctime = (double)sb->st_ctim.tv_sec * 1e3 + (double)sb->st_ctim.tv_nsec / 1e6;
  return mtime != 0 && now_mtime == mtime && now_ctime == ctime && (double)sb->st_ino == ino && (double)sb->st_size == size &&
         mtime + margin < checked;
}

static uint8_t type_of(mode_t mode) {
  return S_ISREG(mode) ? T_FILE : S_ISDIR(mode) ? T_DIR : S_ISLNK(mode) ? T_SYMLINK : T_OTHER;
}

/* The table's value for `name` in directory `d`: 0 (untracked), an entry or a directory. */
static uint32_t lookup(const scan *s, const dir *d, const char *name, char **buf, size_t *cap) {
  size_t nlen = strlen(name), klen = d->plen + (d->plen ? 1 : 0) + nlen;
  if (klen > UINT16_MAX) return 0; /* longer than any stored path */
  if (klen > *cap) {
    char *grown = realloc(*buf, klen * 2);
    if (!grown) return UINT32_MAX;
    *buf = grown;
    *cap = klen * 2;
  }
  char *key = *buf;
  memcpy(key, d->path, d->plen);
  if (d->plen) key[d->plen] = '/';
  memcpy(key + klen - nlen, name, nlen);
  return s->slots[slot_of(s, key, (uint32_t)klen)];
}

static int tracked_as(const scan *s, uint32_t v, uint8_t type) {
  return v && (type == T_DIR ? v - 1 >= s->n : v - 1 < s->n);
}

static int is_dot(const char *name) {
  return name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0));
}

/* Appends a listed name to the worker's scratch listing. 0 or ENOMEM. */
static int note_name(worker *w, const char *name, uint8_t info) {
  size_t nlen = strlen(name) + 1;
  if (w->names_len + nlen > w->names_cap) {
    size_t cap = (w->names_len + nlen) * 2;
    char *grown = realloc(w->names, cap);
    if (!grown) return ENOMEM;
    w->names = grown;
    w->names_cap = cap;
  }
  if (w->len == w->cap) {
    size_t cap = w->cap ? w->cap * 2 : 256;
    uint8_t *grown = realloc(w->info, cap);
    if (!grown) return ENOMEM;
    w->info = grown;
    w->cap = cap;
  }
  memcpy(w->names + w->names_len, name, nlen);
  w->names_len += nlen;
  w->info[w->len++] = info;
  return 0;
}

/* Keeps the scratch listing as directory `d`'s (it holds an untracked name). 0 or ENOMEM. */
static int keep_listing(worker *w, size_t d) {
  listings *all = &w->found;
  if (all->len == all->cap) {
    size_t c = all->cap ? all->cap * 2 : 8;
    listing *grown = realloc(all->items, c * sizeof(listing));
    if (!grown) return ENOMEM;
    all->items = grown;
    all->cap = c;
  }
  listing l = {.dir = d, .names = malloc(w->names_len ? w->names_len : 1), .names_len = w->names_len, .info = malloc(w->len ? w->len : 1), .len = w->len};
  if (!l.names || !l.info) {
    free(l.names);
    free(l.info);
    return ENOMEM;
  }
  memcpy(l.names, w->names, w->names_len);
  memcpy(l.info, w->info, w->len);
  all->items[all->len++] = l;
  return 0;
}

/* Lists and stats directory `d` (open as `fd`; the fd stays the caller's). 0 or an errno. */
static int scan_dir(worker *w, size_t d, int fd, char **buf, size_t *cap) {
  scan *s = w->s;
  int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0) return errno;
  DIR *dh = fdopendir(dup_fd);
  if (!dh) {
    int err = errno;
    close(dup_fd);
    return err;
  }
  int attention = 0, err = 0;
  w->names_len = w->len = 0;
  for (;;) {
    errno = 0;
    struct dirent *de = readdir(dh);
    if (!de) {
      err = errno;
      break;
    }
    const char *name = de->d_name;
    if (is_dot(name) || (s->dirs[d].plen == 0 && strcmp(name, ".bl") == 0)) continue; /* .bl is never part of the work tree */
    struct stat sb;
    if (fstatat(fd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue; /* gone since it was listed */
      err = errno;
      break;
    }
    uint8_t type = type_of(sb.st_mode);
    uint32_t v = lookup(s, &s->dirs[d], name, buf, cap);
    if (v == UINT32_MAX) {
      err = ENOMEM;
      break;
    }
    int tracked = tracked_as(s, v, type);
    if (!tracked) attention = 1;
    else if (type == T_DIR) s->dirs[v - 1 - s->n].seen = 1;
    else if (type == T_FILE || type == T_SYMLINK) s->entries[v - 1].flag = stat_clean(s, &s->entries[v - 1], &sb) ? FLAG_CLEAN : FLAG_CHECK;
    if ((err = note_name(w, name, type | (tracked ? TRACKED : 0))) != 0) break;
  }
  closedir(dh);
  if (!err && attention) err = keep_listing(w, d);
  return err;
}

/* A directory that is not there any more, or no longer a directory (a symlink fails O_NOFOLLOW). */
static int gone(int err) {
  if (err == ENOENT || err == ENOTDIR || err == ELOOP) return 1;
#if defined(__FreeBSD__) || defined(__DragonFly__)
  if (err == EMLINK) return 1; /* their O_NOFOLLOW on a symlink */
#endif
#ifdef EFTYPE
  if (err == EFTYPE) return 1; /* NetBSD's */
#endif
  return 0;
}

/* Takes directories from the shared order until none is left, each opened through its open ancestors. */
static void *work(void *arg) {
  worker *w = arg;
  scan *s = w->s;
  size_t depth = 0, cap = 0;
  char *buf = NULL;
  /* The open directories from the top down: prefixes of the current directory's path (a stored
   * path has at most UINT16_MAX / 2 + 1 components). */
  uint32_t *stack_len = malloc((UINT16_MAX / 2 + 2) * sizeof(uint32_t));
  int *fds = malloc((UINT16_MAX / 2 + 2) * sizeof(int));
  char *name = malloc(UINT16_MAX + 1);
  int top = stack_len && fds && name ? open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
  if (top < 0) {
    w->err = stack_len && fds && name ? errno : ENOMEM;
    free(stack_len);
    free(fds);
    free(name);
    return NULL;
  }
  /* The path the open directories lead to. */
  const char *opened = "";
  stack_len[0] = 0;
  fds[0] = top;
  depth = 1;
  for (;;) {
    size_t from = atomic_fetch_add(&s->next, GRAB);
    if (from >= s->ndirs || w->err) break;
    size_t to = from + GRAB < s->ndirs ? from + GRAB : s->ndirs;
    for (size_t pos = from; pos < to && !w->err; pos++) {
      size_t d = s->order[pos];
      const dir *dd = &s->dirs[d];
      if (dd->plen == 0) {
        w->err = scan_dir(w, d, top, &buf, &cap);
        continue;
      }
      /* Close what is not above this directory (the open ones are prefixes of `opened`). */
      while (depth > 1) {
        uint32_t ul = stack_len[depth - 1];
        if (ul < dd->plen && dd->path[ul] == '/' && memcmp(opened, dd->path, ul) == 0) break;
        close(fds[--depth]);
      }
      opened = dd->path;
      /* Open the components down to it; a gone one leaves the entries below flagged gone. */
      int ok = 1;
      while (ok && stack_len[depth - 1] < dd->plen) {
        uint32_t start = stack_len[depth - 1] ? stack_len[depth - 1] + 1 : 0, end = start;
        while (end < dd->plen && dd->path[end] != '/') end++;
        memcpy(name, dd->path + start, end - start);
        name[end - start] = 0;
        int fd = openat(fds[depth - 1], name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
          if (!gone(errno)) w->err = errno;
          ok = 0;
          break;
        }
        stack_len[depth] = end;
        fds[depth++] = fd;
      }
      if (ok) w->err = scan_dir(w, d, fds[depth - 1], &buf, &cap);
    }
  }
  while (depth > 0) close(fds[--depth]);
  free(buf);
  free(stack_len);
  free(fds);
  free(name);
  return NULL;
}

static void free_worker(worker *w) {
  for (size_t i = 0; i < w->found.len; i++) {
    free(w->found.items[i].names);
    free(w->found.items[i].info);
  }
  free(w->found.items);
  free(w->names);
  free(w->info);
}

/* Drops what the walk found under a directory the JavaScript walk would not have entered. */
static void settle(scan *s, worker *workers, int nworkers) {
  for (size_t i = 0; i < s->ndirs; i++) {
    dir *d = &s->dirs[s->order[i]];
    d->valid = s->order[i] == 0 || (d->seen && s->dirs[d->parent].valid); /* parents come first */
  }
  for (size_t i = 0; i < s->n; i++)
    if (!s->dirs[s->entries[i].dir].valid) s->entries[i].flag = FLAG_GONE;
  for (int t = 0; t < nworkers; t++) {
    listings *all = &workers[t].found;
    size_t kept = 0;
    for (size_t i = 0; i < all->len; i++) {
      if (s->dirs[all->items[i].dir].valid) all->items[kept++] = all->items[i];
      else {
        free(all->items[i].names);
        free(all->items[i].info);
      }
    }
    all->len = kept;
  }
}

#define CHECK(call) \
  do { if ((call) != napi_ok) goto napi_failed; } while (0)

static napi_value to_js(napi_env env, scan *s, worker *workers, int nworkers) {
  napi_value result, flagged, buffer, dirs;
  size_t count = 0, ndirs = 0;
  for (size_t i = 0; i < s->n; i++) count += s->entries[i].flag != FLAG_CLEAN;
  for (int t = 0; t < nworkers; t++) ndirs += workers[t].found.len;
  double *data = NULL;
  CHECK(napi_create_arraybuffer(env, count * 2 * sizeof(double), (void **)&data, &buffer));
  for (size_t i = 0, k = 0; i < s->n; i++) {
    if (s->entries[i].flag == FLAG_CLEAN) continue;
    data[k++] = (double)s->entries[i].offset;
    data[k++] = (double)s->entries[i].flag;
  }
  CHECK(napi_create_typedarray(env, napi_float64_array, count * 2, buffer, 0, &flagged));
  CHECK(napi_create_array_with_length(env, ndirs, &dirs));
  uint32_t at = 0;
  for (int t = 0; t < nworkers; t++) {
    for (size_t a = 0; a < workers[t].found.len; a++) {
      const listing *l = &workers[t].found.items[a];
      const dir *dd = &s->dirs[l->dir];
      napi_value obj, path, names, info, info_buf;
      uint8_t *bytes = NULL;
      CHECK(napi_create_object(env, &obj));
      CHECK(napi_create_string_utf8(env, dd->path, dd->plen, &path));
      CHECK(napi_create_array_with_length(env, l->len, &names));
      CHECK(napi_create_arraybuffer(env, l->len, (void **)&bytes, &info_buf));
      const char *at_name = l->names;
      for (size_t i = 0; i < l->len; i++) {
        napi_value name;
        size_t nlen = strlen(at_name);
        CHECK(napi_create_string_utf8(env, at_name, nlen, &name));
        CHECK(napi_set_element(env, names, (uint32_t)i, name));
        at_name += nlen + 1;
        bytes[i] = l->info[i];
      }
      CHECK(napi_create_typedarray(env, napi_uint8_array, l->len, info_buf, 0, &info));
      CHECK(napi_set_named_property(env, obj, "dir", path));
      CHECK(napi_set_named_property(env, obj, "names", names));
      CHECK(napi_set_named_property(env, obj, "info", info));
      CHECK(napi_set_element(env, dirs, at++, obj));
    }
  }
  CHECK(napi_create_object(env, &result));
  CHECK(napi_set_named_property(env, result, "flagged", flagged));
  CHECK(napi_set_named_property(env, result, "dirs", dirs));
  return result;
napi_failed:
  napi_throw_error(env, NULL, "bl_native: cannot build the scan result");
  return NULL;
}

static int thread_count(size_t entries) {
  if (entries < THREAD_MIN_ENTRIES) return 1;
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  return cpus < 1 ? 1 : cpus > MAX_THREADS ? MAX_THREADS : (int)cpus;
}

napi_value scan_tracked(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4], result = NULL;
  char *root = NULL;
  scan s = {0};
  worker workers[MAX_THREADS] = {{0}};
  int nworkers = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 4) {
    napi_throw_type_error(env, NULL, "scanTracked(root, index, clockDev, otherDeviceMarginMs)");
    return NULL;
  }
  size_t rlen = 0, blen = 0;
  void *blob = NULL;
  if (napi_get_value_string_utf8(env, argv[0], NULL, 0, &rlen) != napi_ok || !(root = malloc(rlen + 1)) ||
      napi_get_value_string_utf8(env, argv[0], root, rlen + 1, &rlen) != napi_ok ||
      napi_get_buffer_info(env, argv[1], &blob, &blen) != napi_ok || napi_get_value_double(env, argv[2], &s.clock_dev) != napi_ok ||
      napi_get_value_double(env, argv[3], &s.margin_other) != napi_ok) {
    free(root);
    napi_throw_type_error(env, NULL, "scanTracked(root: string, index: Buffer, clockDev: number, otherDeviceMarginMs: number)");
    return NULL;
  }
  s.root = root;
  atomic_init(&s.next, 0);
  int parsed = parse_index(&s, blob, blen);
  int err = parsed < 0 ? ENOMEM : 0;
  if (parsed == 1 && order_dirs(&s) != 0) err = ENOMEM;
  if (parsed == 1 && !err) {
    nworkers = thread_count(s.n);
    pthread_t threads[MAX_THREADS];
    int started = 1;
    for (int t = 0; t < nworkers; t++) workers[t].s = &s;
    for (int t = 1; t < nworkers; t++, started++)
      if (pthread_create(&threads[t], NULL, work, &workers[t]) != 0) break; /* fewer threads do the same work */
    work(&workers[0]);
    for (int t = 1; t < started; t++) pthread_join(threads[t], NULL);
    for (int t = 0; t < nworkers && !err; t++) err = workers[t].err;
    if (!err) settle(&s, workers, nworkers);
  }
  if (err) napi_create_int32(env, -err, &result);
  else if (parsed == 0) napi_get_null(env, &result);
  else result = to_js(env, &s, workers, nworkers);
  for (int t = 0; t < nworkers; t++) free_worker(&workers[t]);
  free(root);
  free(s.entries);
  free(s.dirs);
  free(s.order);
  free(s.slots);
  return result;
}
