// Puts untrusted text into XML (SVG, HTML) as character data or an attribute value.
import { escapeUnsafe } from '../workflows/safe-text';

// Lone surrogates and U+FFFE/U+FFFF are not allowed in XML 1.0; control characters are made visible by escapeUnsafe first.
const NOT_XML_CHARACTERS = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|[\uFFFE\uFFFF]/g;
const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** `text` escaped for XML text and attribute values (quotes included). */
export function escapeXml(text: string): string {
  return escapeUnsafe(text)
    .replace(NOT_XML_CHARACTERS, '\uFFFD')
    .replace(/[&<>"']/g, (c) => XML_ENTITIES[c]!);
}
