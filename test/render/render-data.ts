// A small project's media and tags for render tests: plain data behind the RenderData interface.
import type { MediaItem, PostData, RenderData, TagCount } from '../../src/render/index.js';

export function image(id: string, createdAt: string, extra: Partial<MediaItem> = {}): MediaItem {
  const [year, month] = createdAt.slice(0, 7).split('-');
  return { id, path: `${year}/${month}/${id}.jpg`, originalName: `${id}.jpg`, createdAt, ...extra };
}

export const POST: PostData = {
  id: 'post-1',
  title: 'Spring trip',
  slug: 'spring-trip',
  content: '',
  tags: ['travel'],
  categories: ['blog'],
  createdAt: '2024-05-02T10:00:00Z',
  updatedAt: '2024-05-03T10:00:00Z',
  publishedAt: '2024-05-03T10:00:00Z',
  excerpt: null,
  author: 'Ann',
  language: 'en',
};

export class FixtureData implements RenderData {
  timezone?: string;
  constructor(
    readonly linked: Record<string, MediaItem[]> = {},
    readonly all: MediaItem[] = [],
    readonly tags: TagCount[] = [],
  ) {}
  linkedImages(postId: string): MediaItem[] {
    return this.linked[postId] ?? [];
  }
  images(): MediaItem[] {
    return this.all;
  }
  publishedTagCounts(): TagCount[] {
    return this.tags;
  }
}

export const GALLERY_IMAGES: MediaItem[] = [
  image('a1b2c3', '2024-05-02T09:00:00Z', {
    title: 'Harbour at dawn',
    alt: 'Boats in a harbour',
    hasThumbnails: true,
    width: 1600,
    height: 1067,
  }),
  image('d4e5f6', '2024-05-01T09:00:00Z', {
    caption: 'The "old" bridge & river',
    originalName: 'IMG_0042.JPG',
  }),
  {
    id: 'notes1',
    path: '2024/05/notes1.pdf',
    originalName: 'notes.pdf',
    createdAt: '2024-05-01T08:00:00Z',
    mimeType: 'application/pdf',
  },
];

/** Twelve months of photos, two in May 2024, one of them late on the 31st (June in Berlin). */
export const ARCHIVE_IMAGES: MediaItem[] = [
  ...Array.from({ length: 12 }, (_, i) => {
    const month = String(i + 1).padStart(2, '0');
    return image(`m${month}`, `2024-${month}-10T12:00:00Z`, { hasThumbnails: true });
  }),
  image('late-may', '2024-05-31T23:30:00Z'),
  image('y2023', '2023-12-24T18:00:00Z', { title: 'Christmas' }),
];

export const TAGS: TagCount[] = [
  { name: 'travel', count: 12 },
  { name: 'c++', count: 3 },
  { name: 'food & drink', count: 7 },
  { name: 'art', count: 3 },
  { name: 'zero', count: 0 },
  { name: 'ünïcode', count: 1 },
];
