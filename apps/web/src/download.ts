/** Saves a Blob as a file through a temporary link (the browser's own download; nothing leaves the page). */
export function saveFile(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its own reference by now.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
