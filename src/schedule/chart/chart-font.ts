import { existsSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';

/** Debian's `fonts-dejavu-core` (scripts/bootstrap.sh installs it). */
export const DEFAULT_FONT_FILE = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';

const checked = new Set<string>();

/**
 * Throws unless `fontFile` exists and resvg draws text with it. A chart whose labels did not
 * render is a failure, not a picture: resvg silently skips text it has no font for, so this
 * renders a probe word with only that font loaded and requires ink. Checked once per file.
 */
export function checkChartFont(fontFile: string, family: string): void {
  if (checked.has(fontFile)) return;
  if (!existsSync(fontFile)) {
    throw new Error(`chart font ${fontFile} is missing: install Debian's fonts-dejavu-core (apt-get install fonts-dejavu-core)`);
  }
  const probe = `<svg xmlns="http://www.w3.org/2000/svg" width="60" height="24"><text x="2" y="18" font-family="${family}" font-size="16">Ag</text></svg>`;
  const { pixels } = new Resvg(probe, fontOptions(fontFile, family)).render();
  // RGBA; text is drawn black on transparent, so any alpha is ink.
  if (!pixels.some((v, i) => i % 4 === 3 && v > 0)) {
    throw new Error(`chart font ${fontFile} draws no text as "${family}": reinstall Debian's fonts-dejavu-core`);
  }
  checked.add(fontFile);
}

/** resvg options that use exactly `fontFile`: no system fonts, so fontconfig plays no part. */
export const fontOptions = (fontFile: string, family: string) => ({
  font: { loadSystemFonts: false, fontFiles: [fontFile], defaultFontFamily: family },
});
