// Checks that a piece of text inside an iframe is painted where a person sees it: inside the frame's viewport, not clipped off its edge.
import type { FrameLocator } from 'playwright-core';

/** Where the text was found, in the frame's CSS pixels, and the frame's viewport size. */
export interface TextPlacement {
  found: boolean;
  left: number;
  top: number;
  right: number;
  bottom: number;
  frameWidth: number;
  frameHeight: number;
}

/** The few DOM shapes used inside the page (the project compiles without TypeScript's DOM library). */
interface PageText {
  textContent: string | null;
}
interface PageDocument {
  defaultView: { innerWidth: number; innerHeight: number } | null;
  createTreeWalker(root: unknown, whatToShow: number): { nextNode(): PageText | null };
  createRange(): {
    setStart(node: PageText, offset: number): void;
    setEnd(node: PageText, offset: number): void;
    getBoundingClientRect(): { left: number; top: number; right: number; bottom: number };
  };
}
/** NodeFilter.SHOW_TEXT */
const SHOW_TEXT = 4;

/** Finds the first occurrence of `text` in the frame's rendered text (across element boundaries) and measures it. */
export async function placeOfText(frame: FrameLocator, text: string): Promise<TextPlacement> {
  return frame.locator('body').evaluate(
    (body: { ownerDocument: PageDocument }, [wanted, showText]: [string, number]) => {
      const doc = body.ownerDocument;
      const size = { frameWidth: doc.defaultView?.innerWidth ?? 0, frameHeight: doc.defaultView?.innerHeight ?? 0 };
      const walker = doc.createTreeWalker(body, showText);
      const nodes: PageText[] = [];
      let all = '';
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        nodes.push(node);
        all += node.textContent ?? '';
      }
      const start = all.indexOf(wanted);
      if (start < 0) return { found: false, left: 0, top: 0, right: 0, bottom: 0, ...size };
      const end = start + wanted.length;
      const range = doc.createRange();
      let offset = 0;
      for (const node of nodes) {
        const length = node.textContent?.length ?? 0;
        if (start >= offset && start < offset + length) range.setStart(node, start - offset);
        if (end > offset && end <= offset + length) {
          range.setEnd(node, end - offset);
          break;
        }
        offset += length;
      }
      const rect = range.getBoundingClientRect();
      return { found: true, left: rect.left, top: rect.top, right: rect.right, bottom: rect.bottom, ...size };
    },
    [text, SHOW_TEXT] as [string, number],
  );
}

/** True when the text was found and lies wholly inside the frame's viewport. */
export function isWhollyShown(place: TextPlacement): boolean {
  return place.found && place.right > place.left && place.left >= 0 && place.top >= 0 && place.right <= place.frameWidth && place.bottom <= place.frameHeight;
}
