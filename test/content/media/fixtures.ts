// Source files for media tests, made with sharp itself: real images of known sizes, and non-images.
import fs from 'node:fs';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { tempDir } from '../../helpers/project.js';

export interface SourceFiles {
  dir: string;
  /** 1200×800 PNG with an upper-case extension and a space in its name. */
  big: string;
  /** 100×50 JPEG. */
  small: string;
  /** 300×200 GIF. */
  gif: string;
  /** 600×300 JPEG stored sideways: EXIF orientation 6 shows it as 300×600. */
  rotated: string;
  /** A PNG whose name says .jpg. */
  pngNamedJpg: string;
  /** Text in a file named .png: not an image. */
  fakePng: string;
  text: string;
  /** A name whose extension is not [a-z0-9]{1,10}. */
  oddExtension: string;
  /** 120×20000 PNG: a very tall strip. */
  tall: string;
}

const solid = (w: number, h: number): Sharp =>
  sharp({ create: { width: w, height: h, channels: 3, background: '#3366cc' } });

export async function makeSourceFiles(): Promise<SourceFiles> {
  const dir = tempDir('bds-media-src-');
  const at = (name: string) => path.join(dir, name);
  const files: SourceFiles = {
    dir,
    big: at('Big Photo.PNG'),
    small: at('small.jpg'),
    gif: at('anim.gif'),
    rotated: at('rotated.jpg'),
    pngNamedJpg: at('really-a-png.jpg'),
    fakePng: at('fake.png'),
    text: at('notes.txt'),
    oddExtension: at('odd name.%$#'),
    tall: at('strip.png'),
  };
  await solid(1200, 800).png().toFile(files.big);
  await solid(100, 50).jpeg().toFile(files.small);
  await solid(300, 200).gif().toFile(files.gif);
  await solid(600, 300).jpeg().withMetadata({ orientation: 6 }).toFile(files.rotated);
  await solid(40, 30).png().toFile(files.pngNamedJpg);
  await solid(120, 20000).png().toFile(files.tall);
  fs.writeFileSync(files.fakePng, 'this is not a picture\n');
  fs.writeFileSync(files.text, 'plain text\n');
  fs.writeFileSync(files.oddExtension, 'x');
  return files;
}

/** Width and height of an image file (thumbnails included). */
export async function sizeOf(file: string): Promise<{ format?: string; width?: number; height?: number }> {
  const { format, width, height } = await sharp(file).metadata();
  return { format, width, height };
}

/** Every file under `root/sub`, project-relative and sorted (dot-files too). */
export function filesUnder(root: string, sub: string): string[] {
  const dir = path.join(root, sub);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(root, path.join(d.parentPath, d.name)).split(path.sep).join('/'))
    .sort();
}
