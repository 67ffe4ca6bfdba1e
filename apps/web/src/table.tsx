import type { ReactNode } from 'react';

export type Column<T> = [header: string, cell: (row: T) => ReactNode];

/**
 * A list's table, in a region that scrolls sideways on a narrow screen; the region takes focus so that a keyboard
 * can scroll it too (axe-core's scrollable-region-focusable).
 */
export function RecordTable<T extends { id: number }>(props: {
  label: string;
  caption: string;
  columns: Column<T>[];
  rows: T[] | undefined;
}) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus (WCAG 2.1.1)
    <section className="scroll" aria-label={props.label} tabIndex={0}>
      <table>
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map(([header]) => (
              <th key={header} scope="col">
                {header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows?.map((row) => (
            <tr key={row.id}>
              {props.columns.map(([header, cell]) => (
                <td key={header}>{cell(row)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export const yesNo = (flag: boolean) => (flag ? 'Yes' : 'No');
