/**
 * Reading the CSV that `sgc sql --csv` writes (RFC 4180: fields with a comma, quote or line break
 * are quoted, quotes doubled; lines end in CRLF or LF). Pure: text in, records out.
 */
import { InputError } from '../errors.js';

/** Rows of fields, the header first. */
export function parseCsvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endField = () => {
    row.push(field);
    field = '';
  };
  const endRow = () => {
    endField();
    rows.push(row);
    row = [];
  };
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') endField();
    else if (c === '\n') endRow();
    else if (c === '\r' && text[i + 1] === '\n') {
      endRow();
      i++;
    } else field += c;
    i++;
  }
  if (quoted) throw new InputError('CSV ends inside a quoted field');
  if (field !== '' || row.length) endRow();
  return rows;
}

/** Records keyed by the header's column names; every row must have the header's length. */
export function parseCsv(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsvRows(text);
  if (!header) return [];
  return rows.map((fields, r) => {
    if (fields.length !== header.length)
      throw new InputError(`CSV row ${r + 2} has ${fields.length} fields; the header has ${header.length}`);
    return Object.fromEntries(header.map((name, c) => [name, fields[c]]));
  });
}
