import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { type Column, RecordTable } from './table.js';

export const PAGE_SIZE = 20;

interface CursorPage<T> {
  count: number;
  results: T[];
  nextCursor: string | null;
}

/**
 * A list read a page at a time by keyset cursor (a far page costs what the first does): the current page, and
 * moving forward and back. `filters` starts again from the first page when it changes.
 */
export function useCursorPages<T>(name: string, filters: object, read: (cursor: string) => Promise<CursorPage<T>>) {
  const [trail, setTrail] = useState<{ filters: string; cursors: string[] }>({ filters: '', cursors: [''] });
  const key = JSON.stringify(filters);
  const cursors = trail.filters === key ? trail.cursors : [''];
  const cursor = cursors.at(-1) ?? '';
  const page = useQuery({
    queryKey: [name, key, cursor],
    queryFn: () => read(cursor),
    placeholderData: keepPreviousData,
  });
  const next = page.data?.nextCursor;
  return {
    page,
    previous: cursors.length > 1 ? () => setTrail({ filters: key, cursors: cursors.slice(0, -1) }) : undefined,
    next: next ? () => setTrail({ filters: key, cursors: [...cursors, next] }) : undefined,
  };
}

/** The buttons that move through a list's pages. */
export function Pager({
  previous,
  next,
  label = 'Pages',
}: {
  previous?: () => void;
  next?: () => void;
  label?: string;
}) {
  return (
    <nav aria-label={label}>
      <button type="button" disabled={!previous} onClick={previous}>
        Previous
      </button>{' '}
      <button type="button" disabled={!next} onClick={next}>
        Next
      </button>
    </nav>
  );
}

/** The total as the caption says it: at `bound`, where the server's count stops (a search's), "or more" (`+`). */
const totalText = (count: number, bound: number | undefined) =>
  `${count.toLocaleString()}${bound !== undefined && count >= bound ? '+' : ''}`;

/**
 * A list's page of records: its error, its table captioned with the total (`noun`: `contacts`; `bound`: where the
 * total stops counting), and its pager.
 */
export function PagedTable<T extends { id: number }>(props: {
  label: string;
  noun: string;
  bound?: number;
  columns: Column<T>[];
  pages: ReturnType<typeof useCursorPages<T>>;
}) {
  const { page, previous, next } = props.pages;
  return (
    <>
      {page.error && <p role="alert">{(page.error as Error).message}</p>}
      <RecordTable
        label={props.label}
        caption={page.data ? `${totalText(page.data.count, props.bound)} ${props.noun}` : 'Loading…'}
        columns={props.columns}
        rows={page.data?.results}
      />
      <Pager previous={previous} next={next} />
    </>
  );
}
