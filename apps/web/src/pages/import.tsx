import { type FailedRow, failedRowsCsv, type ImportReport, importContactsCsv, messagesOf } from '@ccm/sdk/import';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { WriteAccess } from '../access.js';
import { saveFile } from '../download.js';
import { ccm } from '../session.js';
import { type Column, RecordTable } from '../table.js';

/** Failed rows shown on the page (the downloaded report has them all). */
const SHOWN = 1000;

const COLUMNS: Column<FailedRow & { id: number }>[] = [
  ['Line', (r) => r.line],
  ['Customer', (r) => r.cells.customer],
  ['E-mail', (r) => r.cells.email],
  ['Errors', (r) => messagesOf(r)],
];

type Step =
  | { at: 'idle' }
  | { at: 'checking' | 'importing'; done: number; total: number }
  | { at: 'checked' | 'imported'; report: ImportReport }
  | { at: 'failed'; message: string };

function Progress({ done, total }: { done: number; total: number }) {
  const percent = total > 0 ? Math.round((done / total) * 100) : 0;
  return (
    <div
      role="progressbar"
      aria-label="Import progress"
      aria-valuemin={0}
      aria-valuemax={total}
      aria-valuenow={done}
      aria-valuetext={`${done.toLocaleString()} of ${total.toLocaleString()} rows`}
      className="progress"
    >
      <div style={{ width: `${percent}%` }} />
    </div>
  );
}

/** What the check or the import found: the counts, and every failed row (downloadable as CSV). */
function Report({ report }: { report: ImportReport }) {
  const failed = report.failed.length;
  const summary = report.dryRun
    ? `${report.total.toLocaleString()} rows: ${report.valid.toLocaleString()} valid, ${failed.toLocaleString()} invalid.`
    : `Imported ${report.created.toLocaleString()} of ${report.total.toLocaleString()} rows; ${failed.toLocaleString()} failed.`;
  const download = () =>
    saveFile(new Blob([failedRowsCsv(report.failed)], { type: 'text/csv' }), 'contacts-failed-rows.csv');
  return (
    <div aria-live="polite">
      <p role="status">{summary}</p>
      {report.stopped && <p className="error">The import stopped early: {report.stopped}</p>}
      {failed > 0 && (
        <>
          <button type="button" onClick={download}>
            Download failed rows
          </button>
          <RecordTable
            label="Failed rows"
            caption={failed > SHOWN ? `The first ${SHOWN} of ${failed} failed rows` : `${failed} failed rows`}
            columns={COLUMNS}
            rows={report.failed.slice(0, SHOWN).map((r) => ({ ...r, id: r.line }))}
          />
        </>
      )}
    </div>
  );
}

/** A contacts CSV: checked in a dry run first, then imported in chunks of 1,000 with its progress. */
function ImportForm() {
  const queries = useQueryClient();
  const [text, setText] = useState<string>();
  const [step, setStep] = useState<Step>({ at: 'idle' });
  const run = async (csv: string, dryRun: boolean) => {
    setStep({ at: dryRun ? 'checking' : 'importing', done: 0, total: 0 });
    try {
      const report = await importContactsCsv(ccm, csv, {
        dryRun,
        onProgress: (p) => setStep({ at: dryRun ? 'checking' : 'importing', done: p.done, total: p.total }),
      });
      setStep({ at: dryRun ? 'checked' : 'imported', report });
      if (!dryRun) await queries.invalidateQueries({ queryKey: ['contacts'] });
    } catch (error) {
      setStep({ at: 'failed', message: (error as Error).message });
    }
  };
  const choose = async (file: File | undefined) => {
    const csv = await file?.text();
    setText(csv);
    if (csv !== undefined) await run(csv, true);
  };
  const busy = step.at === 'checking' || step.at === 'importing';
  const ready = step.at === 'checked' && step.report.valid > 0 && text !== undefined;
  return (
    <>
      <label>
        CSV file
        <input type="file" accept=".csv,text/csv" disabled={busy} onChange={(e) => choose(e.target.files?.[0])} />
      </label>
      <p className="note">
        Columns: customer (id, code or username), email, wa_number, tp_number, is_primary, is_active. The file is
        checked first; nothing is written until you import.
      </p>
      <button type="button" disabled={!ready} onClick={() => text !== undefined && run(text, false)}>
        Import
      </button>
      {busy && <Progress done={step.done} total={step.total} />}
      {(step.at === 'checked' || step.at === 'imported') && <Report report={step.report} />}
      {step.at === 'failed' && <p role="alert">{step.message}</p>}
    </>
  );
}

export function ImportPage() {
  return (
    <section aria-labelledby="import-heading">
      <h1 id="import-heading">Import contacts</h1>
      <WriteAccess>
        <ImportForm />
      </WriteAccess>
    </section>
  );
}
