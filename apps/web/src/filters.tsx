/** A yes/no filter's choices and the query value of each (`any`: no filter). */
export const FLAG = { any: undefined, yes: true, no: false } as const;
export type Flag = keyof typeof FLAG;

/** A labelled Any/Yes/No choice for a list's boolean filter. */
export function FlagFilter({ label, value, onChange }: { label: string; value: Flag; onChange: (f: Flag) => void }) {
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value as Flag)}>
        <option value="any">Any</option>
        <option value="yes">Yes</option>
        <option value="no">No</option>
      </select>
    </label>
  );
}

/** A list's search box, searched as typed. */
export function SearchField({ value, onChange }: { value: string; onChange: (s: string) => void }) {
  return (
    <label>
      Search
      <input type="search" value={value} onChange={(e) => onChange(e.target.value)} />
    </label>
  );
}
