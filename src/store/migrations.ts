// The one migration mechanism: an ordered list of SQL steps, applied by PRAGMA user_version.
// The index is a cache (always rebuildable from files), but migrating keeps opening fast.

export const MIGRATIONS: readonly string[] = [
  /* 1: posts, media, problems and their full-text indexes */ `
  CREATE TABLE posts (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL UNIQUE,
    slug TEXT NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    published_at TEXT,
    sort_date TEXT NOT NULL,
    date_key TEXT NOT NULL,
    excerpt TEXT,
    author TEXT,
    language TEXT,
    template TEXT,
    tags_json TEXT NOT NULL,
    categories_json TEXT NOT NULL,
    media_json TEXT NOT NULL,
    extra_json TEXT NOT NULL,
    body TEXT NOT NULL,
    body_line INTEGER NOT NULL,
    mtime_ms REAL NOT NULL,
    size INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX posts_slug ON posts(slug);
  CREATE INDEX posts_status_date ON posts(status, sort_date DESC);
  CREATE TABLE post_tags (post_rowid INTEGER NOT NULL, tag TEXT NOT NULL COLLATE NOCASE, PRIMARY KEY (post_rowid, tag)) WITHOUT ROWID;
  CREATE INDEX post_tags_tag ON post_tags(tag);
  CREATE TABLE post_categories (post_rowid INTEGER NOT NULL, category TEXT NOT NULL COLLATE NOCASE, PRIMARY KEY (post_rowid, category)) WITHOUT ROWID;
  CREATE INDEX post_categories_category ON post_categories(category);
  CREATE VIRTUAL TABLE posts_fts USING fts5(title, excerpt, body, tags, categories, tokenize = 'unicode61 remove_diacritics 2');
  CREATE TABLE drafts (
    post_id TEXT PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    data_json TEXT NOT NULL,
    body TEXT NOT NULL,
    mtime_ms REAL NOT NULL,
    size INTEGER NOT NULL
  );
  CREATE TABLE media (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL UNIQUE,
    original_name TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    width INTEGER,
    height INTEGER,
    title TEXT,
    alt TEXT,
    caption TEXT,
    tags_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    record_json TEXT NOT NULL,
    sidecar_mtime_ms REAL NOT NULL
  );
  CREATE INDEX media_created ON media(created_at DESC);
  CREATE VIRTUAL TABLE media_fts USING fts5(original_name, title, alt, caption, tags, tokenize = 'unicode61 remove_diacritics 2');
  CREATE TABLE post_media (post_id TEXT NOT NULL, media_id TEXT NOT NULL, position INTEGER NOT NULL, PRIMARY KEY (post_id, media_id)) WITHOUT ROWID;
  CREATE INDEX post_media_media ON post_media(media_id);
  CREATE TABLE problems (
    path TEXT NOT NULL,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    line INTEGER,
    col INTEGER
  );
  CREATE INDEX problems_path ON problems(path);
  `,
  /* 2: scripts (rows derived from scripts/*.py) and the last runs of each script */ `
  CREATE TABLE scripts (
    id TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    entrypoint TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    version INTEGER NOT NULL,
    run_order INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    hash TEXT NOT NULL,
    code TEXT NOT NULL,
    code_line INTEGER NOT NULL,
    has_frontmatter INTEGER NOT NULL,
    extra_json TEXT NOT NULL,
    notices_json TEXT NOT NULL,
    mtime_ms REAL NOT NULL,
    size INTEGER NOT NULL
  );
  CREATE TABLE script_runs (
    script_id TEXT NOT NULL,
    started_at TEXT NOT NULL,
    duration_ms REAL NOT NULL,
    status TEXT NOT NULL,
    output TEXT NOT NULL,
    result_json TEXT
  );
  CREATE INDEX script_runs_script ON script_runs(script_id, started_at DESC);
  `,
  /* 3: full-text tables to refill from their source table before the next search (a row each) */ `
  CREATE TABLE stale_fts (name TEXT PRIMARY KEY) WITHOUT ROWID;
  `,
  /* 4: lists of every status, newest first, read in index order instead of sorting the table */ `
  CREATE INDEX IF NOT EXISTS posts_date ON posts(sort_date, slug);
  `,
  /* 5: (a change counter bumped by triggers: it made a full rebuild many times slower; see 7) */ `
  SELECT 1;
  `,
  /*
   * 6: the file states a reconcile compares with the disk, read from an index alone (in the table they
   * follow the body, so reading them went through every post's text: 0.3 s at 50,000 posts)
   */ `
  CREATE INDEX IF NOT EXISTS posts_file_state ON posts(path, mtime_ms, size);
  CREATE INDEX IF NOT EXISTS drafts_file_state ON drafts(path, mtime_ms, size);
  `,
  /* 7: the triggers and counter of 5 go (a row trigger per write slowed a 4,000-post rebuild 6x) */ `
  DROP TRIGGER IF EXISTS posts_insert_generation;
  DROP TRIGGER IF EXISTS posts_update_generation;
  DROP TRIGGER IF EXISTS posts_delete_generation;
  DROP TRIGGER IF EXISTS post_tags_insert_generation;
  DROP TRIGGER IF EXISTS post_tags_update_generation;
  DROP TRIGGER IF EXISTS post_tags_delete_generation;
  DROP TRIGGER IF EXISTS post_categories_insert_generation;
  DROP TRIGGER IF EXISTS post_categories_update_generation;
  DROP TRIGGER IF EXISTS post_categories_delete_generation;
  DROP TRIGGER IF EXISTS post_media_insert_generation;
  DROP TRIGGER IF EXISTS post_media_update_generation;
  DROP TRIGGER IF EXISTS post_media_delete_generation;
  DROP TRIGGER IF EXISTS media_insert_generation;
  DROP TRIGGER IF EXISTS media_update_generation;
  DROP TRIGGER IF EXISTS media_delete_generation;
  DROP TABLE IF EXISTS generations;
  `,
  /*
   * 8: which posts changed, in order, so a site build can look at only those since the last one (the
   * index writes a row per post it writes or removes; a rebuild writes one row that means "all"); and
   * this index's identity, so a mark from another index file is never taken for one of this.
   */ `
  CREATE TABLE IF NOT EXISTS post_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, post_id TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS index_state (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  INSERT OR IGNORE INTO index_state (name, value) VALUES ('id', lower(hex(randomblob(16))));
  INSERT INTO post_changes (post_id) VALUES ('');
  `,
];
